package org.sparkdpsgd.data;

import java.io.Serializable;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * Checks one row before it enters a block. Every message names where the row came from, the
 * column (or feature) and the offending value, so a user can find it in their own file.
 */
final class RowValidator implements Serializable {
  private final int dim;
  private final int numClasses;
  private final String featuresCol;
  private final String labelCol;
  private final String[] featureNames;

  RowValidator(int dim, int numClasses, String featuresCol, String labelCol, String[] featureNames) {
    this.dim = dim;
    this.numClasses = numClasses;
    this.featuresCol = featuresCol;
    this.labelCol = labelCol;
    this.featureNames = featureNames;
  }

  void checkSize(int size, String where) {
    if (size != dim) {
      throw new InvalidInputException(
          where + ": column '" + featuresCol + "' has a vector of size " + size
              + " but the model expects " + dim + " features");
    }
  }

  void checkFeature(int index, double value, String where) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new InvalidInputException(
          where + ": " + featureName(index) + " is " + value + " (features must be finite numbers)");
    }
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
          where + ": column '" + labelCol + "' must be an integer class index; provided value: "
              + label);
    }
    if (label < 0 || label >= numClasses) {
      throw new InvalidInputException(
          where + ": column '" + labelCol + "' must be in [0, " + (numClasses - 1)
              + "] for " + numClasses + " classes; provided value: " + label);
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
