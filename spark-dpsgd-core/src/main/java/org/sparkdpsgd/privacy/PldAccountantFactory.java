package org.sparkdpsgd.privacy;

/** Where the PLD accountant comes from. */
final class PldAccountantFactory {
  private PldAccountantFactory() {}

  static PrivacyAccountant create() {
    return new PldAccountant();
  }
}
