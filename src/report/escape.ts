/*
 * Text from a scenario or a saved result (names, notes, labels) escaped for the format it is written into, so a name
 * cannot add lines, rows, links or markup to a report, or break the XML a CI system parses. The scenario schema refuses
 * such names at input; these hold for a result file that was edited by hand.
 */

/** C0 and C1 controls, DEL, and Unicode's line and paragraph separators: each can end a line somewhere. */
const LINE_BREAKERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** One line: every control character becomes a space. */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAKERS, ' ');
}

/**
 * Markdown inline text (GitHub Flavored Markdown): one line, and the ASCII punctuation that could open markup, a link,
 * an image, an HTML tag, an entity or a table cell backslash-escaped (GFM's "backslash escapes", which render as the
 * character itself).
 */
export function markdownText(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|!~&#]/g, '\\$&');
}

/** Characters XML 1.0 allows (§2.2 Char); anything else, even as a reference, makes the document not well-formed. */
const NOT_XML_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** XML attribute or text content. */
export function xmlText(text: string): string {
  return text.replaceAll('\u2212', '-').replace(NOT_XML_CHAR, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * GitHub workflow commands (`::error title=…::message`), encoded as actions/toolkit's command.ts does: the message
 * escapes %, CR and LF; a property also escapes ':' and ',' so a value cannot end itself and add a forged `file=`.
 */
export function annotationMessage(text: string): string {
  return text.replaceAll('\u2212', '-').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function annotationProperty(text: string): string {
  return annotationMessage(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
