package org.sparkdpsgd.privacy;

import org.sparkdpsgd.util.Checks;

/**
 * The Gaussian mechanism with sensitivity 1 and noise standard deviation {@code noiseMultiplier}.
 */
public record GaussianEvent(double noiseMultiplier) implements DpEvent {
  public GaussianEvent {
    Checks.nonNegative("noise multiplier", noiseMultiplier);
  }

  @Override
  public <R> R accept(Visitor<R> visitor) {
    return visitor.gaussian(this);
  }
}
