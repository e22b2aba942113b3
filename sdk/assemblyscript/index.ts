// Package entry: asc resolves `import ... from "@stratus/actor-as"` to this file.
export * from "./assembly/index";
