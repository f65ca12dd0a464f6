package fivepp.cli;

/** A mistake in what the user gave: reported as one line and exit status 2. */
final class UserError extends RuntimeException {
  UserError(String message) {
    super(message, null, false, false);
  }
}
