// The run-config check, compiled by Ajv from RUN_CONFIG_SCHEMA (runConfigSchema.ts). The bundles
// do not compile it: esbuild.mjs puts Ajv's standalone code for the same schema in this module's
// place: the minified extension bundle is 128 KB with it and 223 KB with Ajv, and no process
// spends ~120 ms compiling at start-up. Tests and benchmarks (tsx) compile it here.
import Ajv, { type ValidateFunction } from 'ajv';
import { RUN_CONFIG_AJV_OPTIONS, RUN_CONFIG_SCHEMA } from './runConfigSchema';

/** True when every field has its type and range and nothing else is there; `.errors` says why not. */
export const checkRunConfigSchema: ValidateFunction = new Ajv(RUN_CONFIG_AJV_OPTIONS).compile(RUN_CONFIG_SCHEMA);
