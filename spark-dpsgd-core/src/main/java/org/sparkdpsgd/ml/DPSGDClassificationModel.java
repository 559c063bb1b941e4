package org.sparkdpsgd.ml;

import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.sparkdpsgd.model.Activation;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.train.Knobs;
import org.sparkdpsgd.train.PrivacyReport;

/**
 * A classifier trained with DP-SGD: the network, its parameters and the privacy report of the
 * training run. {@code transform} adds rawPrediction (logits), probability and prediction columns
 * like MLlib's classifiers. Prediction is row by row in plain Java (no ND4J per row).
 */
public final class DPSGDClassificationModel
    extends ProbabilisticClassificationModel<Vector, DPSGDClassificationModel>
    implements MLWritable, StagePersistence.RestorableDefaults {
  private String uid;
  private ModelSpec spec;
  private double[] params;
  private PrivacyReport privacy;
  // The fixed transform x · scale + shift that training applied to every feature while packing
  // the data (featureScale / featureShift): the network only ever saw transformed features, so
  // predictRaw applies it too.
  private double featureScale = 1.0;
  private double featureShift = 0.0;
  private transient java.util.List<org.sparkdpsgd.train.StepMetrics> trainingMetrics;

  /** A model trained on untransformed features (feature scale 1, shift 0). */
  public DPSGDClassificationModel(
      String uid, ModelSpec spec, double[] params, PrivacyReport privacy) {
    this(uid, spec, params, privacy, 1.0, 0.0);
  }

  /**
   * A model whose network was trained on features x · featureScale + featureShift; it applies the
   * same transform to the raw features it scores.
   */
  public DPSGDClassificationModel(
      String uid,
      ModelSpec spec,
      double[] params,
      PrivacyReport privacy,
      double featureScale,
      double featureShift) {
    this(PendingUid.offer(uid), spec);
    if (params.length != spec.numParams()) {
      throw new IllegalArgumentException(
          spec + " needs " + spec.numParams() + " parameters; got " + params.length);
    }
    this.params = params.clone();
    this.privacy = privacy;
    this.featureScale = Knobs.FEATURE_SCALE.check(featureScale);
    this.featureShift = Knobs.FEATURE_SHIFT.check(featureShift);
  }

  /** The uid was offered just before: Spark's params read it while super() runs. */
  private DPSGDClassificationModel(String offeredUid, ModelSpec spec) {
    super();
    this.spec = spec;
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = PendingUid.take("dpsgdModel");
    }
    return uid;
  }

  @Override
  public void restoreDefault(org.apache.spark.ml.param.Param<Object> p, Object value) {
    setDefault(p, value);
  }

  public ModelSpec spec() {
    return spec;
  }

  public double[] parameters() {
    return params.clone();
  }

  /**
   * Per-step loss, ε and throughput of the training run (like MLlib's training summaries it is not
   * saved with the model; after load() it is absent).
   */
  public java.util.List<org.sparkdpsgd.train.StepMetrics> trainingSummary() {
    if (trainingMetrics == null) {
      throw new IllegalStateException(
          "no training summary: this model was loaded, not trained in this session");
    }
    return trainingMetrics;
  }

  public boolean hasSummary() {
    return trainingMetrics != null;
  }

  DPSGDClassificationModel withTrainingMetrics(
      java.util.List<org.sparkdpsgd.train.StepMetrics> metrics) {
    this.trainingMetrics = java.util.List.copyOf(metrics);
    return this;
  }

  /** The scale training applied to every feature (the estimator's featureScale); 1 = none. */
  public double featureScale() {
    return featureScale;
  }

  /** The shift training added to every feature after scaling (featureShift); 0 = none. */
  public double featureShift() {
    return featureShift;
  }

  /** ε, δ, accountant, σ, C, q, steps of the training run. */
  public PrivacyReport privacyReport() {
    return privacy;
  }

  @Override
  public int numClasses() {
    return spec.numClasses();
  }

  @Override
  public int numFeatures() {
    return spec.inputDim();
  }

  @Override
  public Vector predictRaw(Vector features) {
    if (features.size() != spec.inputDim()) {
      throw new IllegalArgumentException(
          "features vector has size " + features.size() + "; the model expects " + spec.inputDim());
    }
    double[] x = features.toArray();
    if (featureScale != 1.0 || featureShift != 0.0) {
      // a new array: a DenseVector's toArray() is its own storage, which must not change
      double[] t = new double[x.length];
      for (int k = 0; k < x.length; k++) {
        t[k] = x[k] * featureScale + featureShift;
      }
      x = t;
    }
    return Vectors.dense(NetworkForward.logits(spec, params, x));
  }

  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    DenseVector dv = (DenseVector) rawPrediction;
    double[] v = dv.values();
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (int k = 0; k < v.length; k++) {
      v[k] = Math.exp(v[k] - max);
      sum += v[k];
    }
    for (int k = 0; k < v.length; k++) {
      v[k] /= sum;
    }
    return dv;
  }

  @Override
  public DPSGDClassificationModel copy(ParamMap extra) {
    DPSGDClassificationModel m =
        new DPSGDClassificationModel(uid(), spec, params, privacy, featureScale, featureShift);
    return copyValues(m, extra).setParent(parent());
  }

  /** Disambiguates a method Java sees twice through the Scala class hierarchy. */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
  }

  @Override
  public MLWriter write() {
    return new DPSGDModelPersistence.Writer(this);
  }

  public static MLReader<DPSGDClassificationModel> read() {
    return new DPSGDModelPersistence.Reader();
  }

  public static DPSGDClassificationModel load(String path) {
    return read().load(path);
  }

  static ModelSpec spec(int inputDim, int[] hidden, String activation, int numClasses) {
    return ModelSpec.mlp(inputDim, hidden, Activation.parse(activation, "activation"), numClasses);
  }

  @Override
  public String toString() {
    String transform =
        featureScale == 1.0 && featureShift == 0.0
            ? ""
            : ", features x * " + featureScale + " + " + featureShift;
    return "DPSGDClassificationModel: uid="
        + uid()
        + ", "
        + spec
        + transform
        + ", "
        + privacy.summary();
  }
}
