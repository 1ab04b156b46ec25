// @joplin/turndown-plugin-gfm ships no types; in-page.ts uses its `gfm` plugin only.
declare module '@joplin/turndown-plugin-gfm' {
  import type TurndownService from 'turndown';
  export const gfm: TurndownService.Plugin;
}
