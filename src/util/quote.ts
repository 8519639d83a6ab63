// Text that came from outside (a query parameter, a key of a document, a client's node ID) as messages
// and debug output repeat it: escaped, and only a short prefix of it, so a 10 KB value costs a few
// dozen bytes wherever it is echoed. No project imports, so any layer may use it.

/** `"<at most max characters, escaped>"`, then `... (N characters)` when it was cut. */
export function quoteInput(text: string, max = 64): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(cutAt(text, max))}... (${text.length} characters)`;
}

/** At most `max` characters of `text`, marked `... (+N characters)` when cut (not quoted: for values shown as they are). */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${cutAt(text, max)}... (+${text.length - max} characters)`;
}

/** The first `max` UTF-16 units, without splitting a surrogate pair. */
function cutAt(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
