/**
 * Compile-time checks of the element's public types, run by `npm run typecheck`
 * (part of `npm test`), never executed: a page's p2p-error handler gets the
 * codes it compares against checked, on the element or where the events bubble to.
 */
import type { P2PCallElement, P2PErrorCode } from '../../src/index.js';

declare const call: P2PCallElement;

call.addEventListener('p2p-error', ({ detail }) => {
  const code: P2PErrorCode = detail.code;
  // The element's own codes and the relay's (bad-message) are all there.
  if (code === 'unauthorized' || code === 'media-denied' || code === 'peer-unreachable' || code === 'bad-server' || code === 'bad-message') return;
  // @ts-expect-error: a misspelt code is a compile error, not a check that is never true
  if (code === 'unauthorised') return;
});

// The README says a page can listen on document (or window): the detail is typed there too.
document.addEventListener('p2p-peer-left', ({ detail }) => detail.reason satisfies 'left' | 'lost' | 'failed' | 'unreachable' | 'unanswered');
window.addEventListener('p2p-error', ({ detail }) => detail.code satisfies P2PErrorCode);
