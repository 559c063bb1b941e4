package org.sparkdpsgd.privacy;

import org.sparkdpsgd.util.InvalidInputException;

/** Where the PLD accountant comes from (it is being written; until then a clear error). */
final class PldAccountantFactory {
  private PldAccountantFactory() {}

  static PrivacyAccountant create() {
    throw new InvalidInputException("the PLD accountant is not available in this build; use accountant = rdp");
  }
}
