package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.SparkTestSession;
import org.sparkdpsgd.data.TrainingBlocks;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Network;
import org.sparkdpsgd.model.WindowScores;

/**
 * A language model's test perplexity, computed on the executors block by block, is exp of the mean
 * cross-entropy per predicted character over all windows: the same number as scoring every window
 * on the driver, with padded positions left out of both the loss and the count.
 */
class LanguageModelEvaluationTest {
  private static final int WINDOW = 8;
  private static final int VOCABULARY = 12;

  @Test
  void perplexityIsPerPredictedCharacterOverAllBlocks() {
    ModelSpec spec =
        ModelSpec.languageModel(
            WINDOW,
            VOCABULARY,
            List.of(
                new LayerSpec.Embedding(4),
                new LayerSpec.CausalConv1D(6, 3, 1),
                LayerSpec.Activate.of(org.sparkdpsgd.model.Activation.TANH)));
    double[] params = spec.initialParams(5);
    SplittableRandom rng = new SplittableRandom(9);
    int n = 300;
    float[] all = new float[n * (WINDOW + 1)];
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] ids = new double[WINDOW + 1];
      // Every fifth window ends in padding (id 0), as a record's last window does.
      int length = i % 5 == 0 ? 2 + rng.nextInt(WINDOW - 1) : WINDOW + 1;
      for (int t = 0; t < length; t++) {
        ids[t] = 1 + rng.nextInt(VOCABULARY - 1);
      }
      for (int t = 0; t <= WINDOW; t++) {
        all[i * (WINDOW + 1) + t] = (float) ids[t];
      }
      rows.add(RowFactory.create(Vectors.dense(ids), 0.0));
    }
    StructType schema =
        new StructType()
            .add("features", SQLDataTypes.VectorType(), false)
            .add(
                org.apache.spark.ml.attribute.NominalAttribute.defaultAttr()
                    .withName("label")
                    .withNumValues(VOCABULARY)
                    .toStructField());
    Dataset<Row> df = SparkTestSession.get().createDataFrame(rows, schema).repartition(3);
    try (TrainingBlocks blocks =
        TrainingBlocks.prepare(df, "features", "label", WINDOW + 1, VOCABULARY, 64, "test")) {
      Evaluation eval = Evaluation.of(blocks, spec, params);
      Network net = new Network(spec, params, DataType.FLOAT);
      WindowScores scores = net.sequenceLogLikelihoods(net.input(all, n));
      double logLikelihood = 0;
      long targets = 0;
      for (int i = 0; i < n; i++) {
        logLikelihood += scores.logLikelihoods()[i];
        targets += scores.targets()[i];
      }
      assertTrue(targets < (long) n * WINDOW, "some positions are padding");
      assertTrue(eval.languageModel());
      assertEquals(n, eval.count());
      assertEquals(targets, eval.targets());
      double perCharacter = -logLikelihood / targets;
      assertEquals(perCharacter, eval.meanLoss(), 1e-9 * perCharacter);
      assertEquals(Math.exp(perCharacter), eval.perplexity(), 1e-9 * eval.perplexity());
      assertEquals(perCharacter / Math.log(2), eval.bitsPerCharacter(), 1e-9);
      // An untrained model is close to uniform over the vocabulary.
      assertEquals(VOCABULARY, eval.perplexity(), 0.25 * VOCABULARY);
      assertTrue(Double.isNaN(eval.accuracy()));
    }
  }
}
