import { pureProject } from '../support/project.ts';

// Pure shared code (errors, auth), in workerd, where crypto.subtle.timingSafeEqual is real.
export default pureProject('shared');
