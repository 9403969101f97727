// The sweep file's schema check, compiled by Ajv from SWEEP_SCHEMA. As with runConfigValidator.ts,
// the bundles get Ajv's standalone code for it instead (esbuild.mjs): the editor runs this check
// as a person types, and the extension bundle stays free of Ajv.
import Ajv, { type ValidateFunction } from 'ajv';
import { SWEEP_AJV_OPTIONS, SWEEP_SCHEMA } from '../sweepSchema';

/** True when the value has the sweep file's shape; `.errors` lists every reason not. */
export const checkSweepSchema: ValidateFunction = new Ajv(SWEEP_AJV_OPTIONS).compile(SWEEP_SCHEMA);
