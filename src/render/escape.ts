// Escaping for each kind of file the renderer writes. Mustache's own HTML
// escaping is switched off; every value reaches a template through exactly
// one of these. Each refuses what its target cannot carry safely instead of
// mangling it: the schema has already rejected such values, so a throw here
// means a bug, never a user error.

import { ENV_NAME } from '../spec/types.js'

export class EscapeError extends Error {}

const LINE_BREAK_OR_NUL = /[\n\r\0]/

function assertOneLine(value: string, target: string): void {
  if (LINE_BREAK_OR_NUL.test(value)) {
    throw new EscapeError(`${target}: ${JSON.stringify(value)} holds a line break or NUL`)
  }
}

/** A POSIX shell word that the shell reads back as exactly `value`. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new EscapeError(`shell: ${JSON.stringify(value)} holds NUL`)
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** Several shell words, one per value. */
export function shellWords(values: readonly string[]): string {
  return values.map(shellQuote).join(' ')
}

/**
 * A double-quoted Dockerfile value (ENV, LABEL): backslash escapes `\`, `"`
 * and `$`, so no variable is substituted and the quote cannot be closed early.
 */
export function dockerfileString(value: string): string {
  assertOneLine(value, 'Dockerfile')
  return `"${value.replace(/[\\"$]/g, '\\$&')}"`
}

// distribution/reference's grammar: a FROM line takes no quoting, so an image
// reference must match it entirely.
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/

/** An image reference for a FROM line, which has no quoting at all. */
export function dockerfileImage(value: string): string {
  if (!IMAGE_REFERENCE.test(value))
    throw new EscapeError(`Dockerfile FROM: ${JSON.stringify(value)} is not an image reference`)
  return value
}

/** A postgresql.conf string value: quotes doubled, backslashes escaped. */
export function pgConfString(value: string): string {
  assertOneLine(value, 'postgresql.conf')
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

// pg_hba.conf and pg_ident.conf have no escape inside quoted words, so only
// plain identifiers are written there.
const PLAIN_IDENTIFIER = /^[a-z0-9_]+$/

/** A role or database name for pg_hba.conf / pg_ident.conf, or a SQL identifier. */
export function pgIdentifier(value: string): string {
  if (!PLAIN_IDENTIFIER.test(value) || value.length > 63) {
    throw new EscapeError(
      `PostgreSQL identifier: ${JSON.stringify(value)} is not [a-z0-9_]+ of at most 63 characters`
    )
  }
  return value
}

/** A YAML scalar: a JSON string is a valid double-quoted YAML scalar. */
export function yamlString(value: string): string {
  return JSON.stringify(value)
}

/**
 * An exec-form Dockerfile instruction argument list (RUN ["/bin/sh", "-c",
 * "..."]): a JSON array, which no Dockerfile parser splits, substitutes or
 * continues onto the next line.
 */
export function dockerfileExecForm(args: readonly string[]): string {
  for (const arg of args) assertOneLine(arg, 'Dockerfile')
  return JSON.stringify(args)
}

// Paths written unquoted into COPY lines: nothing the parser could split,
// substitute ($) or read as a flag or a glob.
const DOCKERFILE_PATH = /^[A-Za-z0-9._/][A-Za-z0-9._/-]*$/

/** A path for a COPY line. */
export function dockerfilePath(value: string): string {
  if (!DOCKERFILE_PATH.test(value))
    throw new EscapeError(`Dockerfile COPY: ${JSON.stringify(value)} is not a plain path`)
  return value
}

// nginx.conf has quoting, but variables ($) are expanded even inside quotes
// in many directives: only words that need no quoting at all are written.
const NGINX_WORD = /^[A-Za-z0-9._~/:=?&%+-]+$/

/** A word for nginx.conf (a path, a location prefix, an upstream address). */
export function nginxWord(value: string): string {
  if (!NGINX_WORD.test(value))
    throw new EscapeError(
      `nginx.conf: ${JSON.stringify(value)} holds a character nginx would read as syntax ($, quotes, ;, {}, # or space)`
    )
  return value
}

const PG_SETTING_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/

/** A postgresql.conf setting name (a module's settings carry one dot). */
export function pgConfName(value: string): string {
  if (!PG_SETTING_NAME.test(value))
    throw new EscapeError(`postgresql.conf: ${JSON.stringify(value)} is not a setting name`)
  return value
}

/** An environment variable name, for ENV lines and shell assignments alike. */
export function envName(value: string): string {
  if (!ENV_NAME.test(value))
    throw new EscapeError(`environment: ${JSON.stringify(value)} is not a variable name`)
  return value
}

/** Text for a YAML comment, which ends at the first line break. */
export function yamlComment(value: string): string {
  assertOneLine(value, 'YAML comment')
  return value
}

/** A count (of seconds, milliseconds) in decimal digits, which every file format reads as it is. */
export function wholeNumber(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new EscapeError(`${value} is not a whole number`)
  return String(value)
}
