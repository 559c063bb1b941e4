package org.sparkdpsgd.jobs;

import java.util.Locale;
import org.sparkdpsgd.data.FashionMnist;
import org.sparkdpsgd.data.UserBlocks;
import org.sparkdpsgd.text.TextCorpus;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * User-level privacy settings of a job: {@code data.user-col} names the column of each row's user
 * (null: example-level privacy), {@code data.max-examples-per-user} caps the rows a user keeps (0 =
 * all), and {@code data.synthetic-users} gives Fashion-MNIST a fixed public assignment of its
 * images to that many users (image i to user i mod U), in the column {@code user}, for
 * demonstrations. Text corpora take {@code data.user-col = record}: record-level privacy, each
 * record (with its exact copies) one unit.
 */
record UserSettings(String userCol, int maxExamplesPerUser, int syntheticUsers) {
  static final UserSettings NONE = new UserSettings(null, 0, 0);

  static UserSettings of(JobConfig c) {
    String col = c.isSet("data.user-col") ? c.string("data.user-col").trim() : null;
    if (col != null && col.isEmpty()) {
      col = null;
    }
    int max = c.integer("data.max-examples-per-user");
    int synthetic = c.integer("data.synthetic-users");
    String format = c.string("data.format").trim().toLowerCase(Locale.ROOT);
    if (synthetic < 0) {
      throw new InvalidInputException(
          "data.synthetic-users must be >= 0 (0 = none); provided value: " + synthetic);
    }
    if (synthetic > 0 && !format.equals("fashion-mnist")) {
      throw new InvalidInputException(
          "data.synthetic-users applies to data.format = fashion-mnist only; provided format: "
              + format);
    }
    if (synthetic > 0 && col == null) {
      col = FashionMnist.USER_COL;
    }
    boolean text = format.equals("text") || format.equals("fortunes");
    if (col != null && text && !col.equals(TextCorpus.RECORD_COL)) {
      throw new InvalidInputException(
          "data.user-col for data.format = "
              + format
              + " can only be '"
              + TextCorpus.RECORD_COL
              + "' (record-level privacy: each record with its exact copies is one unit);"
              + " provided value: "
              + col);
    }
    if (col != null && format.equals("libsvm")) {
      throw new InvalidInputException(
          "data.user-col needs a format with named columns (parquet, csv, text or fortunes with"
              + " 'record', or fashion-mnist with data.synthetic-users); provided format: "
              + format);
    }
    if (col != null && format.equals("fashion-mnist") && synthetic == 0) {
      throw new InvalidInputException(
          "data.user-col = "
              + col
              + ": Fashion-MNIST has no users; set data.synthetic-users = U for a fixed public"
              + " assignment of its images to U users");
    }
    UserSettings s = new UserSettings(col, max, synthetic);
    s.grouping(); // checks the cap now, before anything is read
    return s;
  }

  /** How the training rows are grouped, or null for example-level privacy. */
  UserBlocks.Grouping grouping() {
    return userCol == null ? null : new UserBlocks.Grouping(userCol, maxExamplesPerUser);
  }
}
