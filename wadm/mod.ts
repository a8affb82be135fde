/** Public API of wadm: run an instance with `startWadm`; the parts live in the subfolders. */
export { startWadm, type Wadm, type WadmOptions } from './service.js';
export { SiteKeeper, type SiteKeeperOptions, type SiteMode } from './site/keeper.js';
export { parseSiteSelector, type SiteSelector } from './site/snapshot.js';
