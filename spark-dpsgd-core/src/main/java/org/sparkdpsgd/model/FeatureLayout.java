package org.sparkdpsgd.model;

import java.io.Serializable;
import java.util.List;
import org.sparkdpsgd.util.Checks;

/**
 * How the features the trained layers see are laid out for feature normalisation: the first {@code
 * channels · positions} features are channel-major maps (channel c at position p is feature {@code
 * c · positions + p}); any features after them (an appended input) are not maps.
 */
public record FeatureLayout(int channels, int positions) implements Serializable {
  public FeatureLayout {
    Checks.positive("feature channels", channels);
    Checks.positive("feature positions", positions);
  }

  /**
   * The layout of {@code full}'s trained layers' input: the output shape of its last fixed layer
   * that is not an append-input, or the model's input shape without fixed layers.
   */
  public static FeatureLayout of(ModelSpec full) {
    List<Shape> shapes = full.inputShapes();
    Shape maps = shapes.get(0);
    for (int l = full.fixedLayers() - 1; l >= 0; l--) {
      if (!(full.layers().get(l) instanceof LayerSpec.AppendInput)) {
        maps = shapes.get(l + 1);
        break;
      }
    }
    return new FeatureLayout(maps.channels(), maps.height() * maps.width());
  }

  /** The number of map features, C·P. */
  public int mapsDim() {
    return channels * positions;
  }
}
