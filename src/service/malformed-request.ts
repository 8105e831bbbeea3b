/**
 * A request whose bytes are not a valid message. A transport's decoder returns it instead of
 * throwing, so that validation, which every transport shares, turns it into INVALID_ARGUMENT.
 */
export class MalformedRequest {
  constructor(
    /** The field at fault, or '' for the message as a whole. */
    readonly field: string,
    /** Safe to send: says what is wrong without the parser's internals. */
    readonly problem: string,
  ) {}
}
