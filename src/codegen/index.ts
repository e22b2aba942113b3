// Public surface of the interface generator.
export { parseSmithy, SmithyError } from './smithy.js';
export { generateAssemblyScript } from './assemblyscript.js';
export { generateTypeScript } from './typescript.js';
export { generateInterface, generateBuiltins, builtinTargets, packageRoot } from './generate.js';
export type { InterfaceModel, Service, Operation, Shape, Member, Primitive } from './model.js';
