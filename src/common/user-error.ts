/**
 * An error a user should see, as one line and never a stack: its message says what went wrong
 * (naming the field, the value and what is allowed, where there is one), and it carries the exit
 * code the CLI ends with. The CLI handles this base once; anything else that reaches it is a bug.
 */
export abstract class UserError extends Error {
  /** 2: a usage mistake (arguments, flags or settings); 1: a failure while running that is not a bug. */
  abstract readonly exitCode: 1 | 2;
  /**
   * Whether the message begins with the command's name already (`routeguide client get: ...`);
   * otherwise the CLI puts the name in front.
   */
  readonly namesCommand: boolean = false;
}
