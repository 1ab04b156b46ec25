import { pureProject } from '../support/project.ts';

// The pure classifier (shared/bots), in workerd, so the bundled lists load as in the edge worker.
export default pureProject('bots');
