import { pureProject } from '../support/project.ts';

// The render protocol and the site's origins (shared/render), shared by the edge, the renderer and
// the self-hosted render service.
export default pureProject('render');
