// Build pipeline: `buildActorProject(dir)` is what `stratus build` and other areas' tests call.
export { buildActorProject, compileProject, type BuildOptions, type BuildResult } from './project.js';
export { loadConfig, validateConfig, CONFIG_FILE, LANGUAGES, type ProjectConfig, type Language } from './config.js';
export { compileAssemblyScript, type AscOptions, type AscResult } from './assemblyscript.js';
export { compileC, clangCommand } from './c.js';
export { sdkDir, SDK_PACKAGE } from './sdk-location.js';
export { BuildError, type BuildFailure } from './errors.js';
export { createActorProject, TEMPLATES, TEMPLATE_DESCRIPTIONS, type TemplateName, type ScaffoldResult } from './scaffold.js';
