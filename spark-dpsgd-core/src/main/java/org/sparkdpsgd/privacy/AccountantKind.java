package org.sparkdpsgd.privacy;

import java.util.Locale;
import org.sparkdpsgd.util.InvalidInputException;

/** The accountants a run can use. */
public enum AccountantKind {
  RDP,
  PLD;

  public PrivacyAccountant create() {
    return switch (this) {
      case RDP -> new RdpAccountant();
      case PLD -> PldAccountantFactory.create();
    };
  }

  public static AccountantKind parse(String name) {
    String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
    for (AccountantKind k : values()) {
      if (k.name().equals(n)) {
        return k;
      }
    }
    throw new InvalidInputException("accountant must be one of rdp, pld; provided value: " + name);
  }
}
