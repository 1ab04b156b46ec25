/**
 * zod as its tree-shakable `zod/mini` build (`import * as z from 'zod/mini'`, static member access
 * only, so unused parts drop out), with English messages, for code whose bundle is budgeted
 * (scripts/check.mjs): the edge and the render protocol. The classic build carries every locale.
 * Import this module once for its side effect before validating.
 */
import { config, refine } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

/** `z.int()` of the classic API, as a check on a (coerced) number. */
export const integer = () => refine(Number.isInteger, 'must be an integer');
