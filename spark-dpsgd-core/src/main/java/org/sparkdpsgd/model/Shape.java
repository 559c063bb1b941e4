package org.sparkdpsgd.model;

import java.io.Serializable;
import org.sparkdpsgd.util.Checks;

/**
 * The shape of one example's activations: channels × height × width (NCHW without the batch). A
 * flat feature vector of n values is n × 1 × 1. Flat rows are read in this order, so a 28 × 28
 * image stored row by row is the shape 1 × 28 × 28.
 *
 * <p>In a language model ({@link ModelSpec#isSequence}) C × T × 1 stands for T positions of C
 * channels, stored position by position (T rows of C values): every layer a language model admits
 * reads them so (an embedding's input, V × T × 1, is T ids over V symbols).
 */
public record Shape(int channels, int height, int width) implements Serializable {
  public Shape {
    Checks.positive("channels", channels);
    Checks.positive("height", height);
    Checks.positive("width", width);
  }

  public static Shape flat(int n) {
    return new Shape(n, 1, 1);
  }

  /** T positions of C channels (see the class comment). */
  public static Shape sequence(int positions, int channels) {
    return new Shape(channels, positions, 1);
  }

  public int size() {
    return channels * height * width;
  }

  public boolean isFlat() {
    return height == 1 && width == 1;
  }

  @Override
  public String toString() {
    return isFlat() ? Integer.toString(channels) : channels + "x" + height + "x" + width;
  }
}
