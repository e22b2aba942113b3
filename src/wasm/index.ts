// Public surface of the wasm inspection area.
export * from './sections.js';
export { encodeULEB, readULEB } from './leb128.js';
export { JWT_SECTION_NAMES, findCustomSection, readJwtSection, stripCustomSections, appendCustomSection } from './custom-sections.js';
export { limitMemory, WASM_PAGE_BYTES } from './memory-limit.js';
export * from './abi.js';
export { checkPortability, assertPortable, classifyImport, formatPortabilityReport, type PortabilityReport, type ImportReport, type ExportReport, type PortabilityProblem, type ImportClass } from './portability.js';
