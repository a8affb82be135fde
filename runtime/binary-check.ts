import { BinaryProblem, InvalidComponentError } from './errors.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Component model binary: version 0x0d, layer 1 (the 1.0 encoding). */
const COMPONENT_VERSION = 0x0d;
const COMPONENT_LAYER = 0x01;

/**
 * Checks that `bytes` are a complete component in the 1.0 encoding before anything else looks at
 * them. A core module passes `jco wit` with an empty world (docs/architecture.md, fact 9), so the header is
 * checked here; the section walk catches truncated files, which jco reports confusingly.
 * Corruption inside sections surfaces when jco transpiles and is reported as `corrupt` then.
 */
export function checkComponentBytes(bytes: Uint8Array): void {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const what = bytes.length === 0 ? 'the file is empty' : `it does not start with the \\0asm magic (${bytes.length} bytes)`;
    throw new InvalidComponentError(BinaryProblem.NotWasm, `not WebAssembly: ${what}`);
  }
  const version = bytes[4]! | (bytes[5]! << 8);
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (layer === 0 && version === 1) {
    throw new InvalidComponentError(
      BinaryProblem.CoreModule,
      'this is a core WebAssembly module, not a component; wrap it with `wasm-tools component new` (plus a WASI adapter) or build for wasm32-wasip2',
    );
  }
  if (layer !== COMPONENT_LAYER || version !== COMPONENT_VERSION) {
    throw new InvalidComponentError(
      BinaryProblem.UnsupportedEncoding,
      `component binary version 0x${version.toString(16)} layer ${layer} is a pre-1.0 encoding; rebuild it with a current toolchain (component model 1.0: version 0x0d, layer 1)`,
    );
  }
  walkSections(bytes);
}

function walkSections(bytes: Uint8Array): void {
  let offset = 8;
  let index = 0;
  while (offset < bytes.length) {
    const id = bytes[offset]!;
    const [size, sizeLength] = readU32(bytes, offset + 1, index);
    const start = offset + 1 + sizeLength;
    const end = start + size;
    if (end > bytes.length) {
      throw new InvalidComponentError(
        BinaryProblem.Truncated,
        `section ${index} (id ${id}) at byte ${offset} declares ${size} bytes but only ${bytes.length - start} remain: the file is truncated`,
      );
    }
    offset = end;
    index++;
  }
  if (index === 0) throw new InvalidComponentError(BinaryProblem.Truncated, 'the component has no sections');
}

function readU32(bytes: Uint8Array, at: number, section: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= bytes.length) {
      throw new InvalidComponentError(BinaryProblem.Truncated, `section ${section} header is cut off: the file is truncated`);
    }
    const byte = bytes[at + i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7;
  }
  throw new InvalidComponentError(BinaryProblem.Corrupt, `section ${section} has a malformed size`);
}
