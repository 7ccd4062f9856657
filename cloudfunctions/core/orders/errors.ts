/** An order document the shop's adapter cannot read: names the field, never guesses. */
export class OrderShapeError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'OrderShapeError';
    this.field = field;
  }
}
