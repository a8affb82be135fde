export { parseWit, WitParseError, type TypeDef, type WitFunction, type WitInterface, type WitType } from './parse.js';
export { WitLibrary, BUNDLED_WIT } from './library.js';
export { ArgumentError, camel, fromJson, readable, readableArgs, untyped, type Json } from './values.js';
