package org.sparkdpsgd.data;

import java.io.Serializable;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Checks one row before it enters a block. Every message names where the row came from, the column
 * (or feature) and the offending value, so a user can find it in their own file.
 */
final class RowValidator implements Serializable {
  private final int dim;
  private final int numClasses;
  private final String featuresCol;
  private final String labelCol;
  private final String[] featureNames;

  RowValidator(
      int dim, int numClasses, String featuresCol, String labelCol, String[] featureNames) {
    this.dim = dim;
    this.numClasses = numClasses;
    this.featuresCol = featuresCol;
    this.labelCol = labelCol;
    this.featureNames = featureNames;
  }

  void checkSize(int size, String where) {
    if (size != dim) {
      throw new InvalidInputException(
          where
              + ": column '"
              + featuresCol
              + "' has a vector of size "
              + size
              + " but the model expects "
              + dim
              + " features");
    }
  }

  /**
   * The feature narrowed to the float it is stored as; checked after narrowing, since a finite
   * double beyond ±3.4e38 becomes an infinite float.
   */
  float toFloat(int index, double value, String where) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new InvalidInputException(
          where
              + ": "
              + featureName(index)
              + " is "
              + value
              + " (features must be finite numbers)");
    }
    float f = (float) value;
    if (Float.isInfinite(f)) {
      throw new InvalidInputException(
          where
              + ": "
              + featureName(index)
              + " is "
              + value
              + ", beyond the range of the 32-bit floats features are stored as (±"
              + Float.MAX_VALUE
              + ")");
    }
    return f;
  }

  /** x·scale + shift as a float, checked: a large scale can overflow a finite feature. */
  float transformed(int index, float x, double scale, double shift, String where) {
    float f = (float) (x * scale + shift);
    if (!Float.isFinite(f)) {
      throw new InvalidInputException(
          where
              + ": "
              + featureName(index)
              + " is "
              + x
              + ", which data.feature-scale "
              + scale
              + " and data.feature-shift "
              + shift
              + " take beyond the 32-bit float range (±"
              + Float.MAX_VALUE
              + ")");
    }
    return f;
  }

  int checkLabel(Object raw, String where) {
    if (raw == null) {
      throw new InvalidInputException(where + ": column '" + labelCol + "' is null");
    }
    if (!(raw instanceof Number)) {
      throw new InvalidInputException(
          where + ": column '" + labelCol + "' is not numeric; provided value: " + raw);
    }
    double label = ((Number) raw).doubleValue();
    if (label != Math.rint(label) || Double.isInfinite(label)) {
      throw new InvalidInputException(
          where
              + ": column '"
              + labelCol
              + "' must be an integer class index; provided value: "
              + label);
    }
    if (label < 0 || label >= numClasses) {
      throw new InvalidInputException(
          where
              + ": column '"
              + labelCol
              + "' must be in [0, "
              + (numClasses - 1)
              + "] for "
              + numClasses
              + " classes; provided value: "
              + label);
    }
    return (int) label;
  }

  private String featureName(int index) {
    if (featureNames != null && index < featureNames.length) {
      return "feature column '" + featureNames[index] + "'";
    }
    return "'" + featuresCol + "'[" + index + "]";
  }
}
