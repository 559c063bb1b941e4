package org.sparkdpsgd.model;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkdpsgd.util.Checks;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * The layer types a network can be built from, registered in one place. A spec is pure description
 * (it is saved with the model); {@link #create} builds the ND4J layer that computes forward,
 * backward and per-example gradient norms. Every layer here treats examples independently:
 * per-example clipping needs that, which is why BatchNorm is refused ({@link LayerConfig}).
 */
public sealed interface LayerSpec extends Serializable {
  /** The output shape for this input shape; throws a clear error if the layer cannot apply. */
  Shape outputShape(Shape in);

  /** Shapes of the parameter arrays, in the order they appear in the flat parameter vector. */
  default long[][] paramShapes(Shape in) {
    return new long[0][];
  }

  /** Writes initial values of this layer's parameters at {@code off} (data-independent). */
  default void initialise(Shape in, double[] p, int off, SplittableRandom rng) {}

  Layer create(Shape in, DataType dtype);

  /**
   * The output shape when the layer may also read the network's own input ({@link AppendInput});
   * the other layers ignore it.
   */
  default Shape outputShape(Shape in, Shape networkInput) {
    return outputShape(in);
  }

  /** {@link #create(Shape, DataType)}, for a layer that may also read the network's input. */
  default Layer create(Shape in, Shape networkInput, DataType dtype) {
    return create(in, dtype);
  }

  /** The config/persistence form: {type = ..., ...} (see {@link LayerConfig}). */
  Map<String, Object> toMap();

  String describe();

  default int numParams(Shape in) {
    int n = 0;
    for (long[] s : paramShapes(in)) {
      long size = 1;
      for (long d : s) {
        size *= d;
      }
      n += (int) size;
    }
    return n;
  }

  /** Fully connected: z = flatten(a) W + b. */
  record Dense(int units) implements LayerSpec {
    public Dense {
      Checks.positive("dense units", units);
    }

    @Override
    public Shape outputShape(Shape in) {
      return Shape.flat(units);
    }

    @Override
    public long[][] paramShapes(Shape in) {
      return new long[][] {{in.size(), units}, {units}};
    }

    /** Glorot-uniform weights, zero bias. */
    @Override
    public void initialise(Shape in, double[] p, int off, SplittableRandom rng) {
      double limit = Math.sqrt(6.0 / (in.size() + units));
      for (int k = 0; k < in.size() * units; k++) {
        p[off + k] = (2 * rng.nextDouble() - 1) * limit;
      }
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new DenseLayer(in, units, dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      return map("dense", "units", units);
    }

    @Override
    public String describe() {
      return "dense(" + units + ")";
    }
  }

  /** 2-D convolution with square kernels, stride and zero padding (NCHW). */
  record Conv2D(int filters, int kernel, int stride, int padding) implements LayerSpec {
    public Conv2D {
      Checks.positive("conv2d filters", filters);
      Checks.positive("conv2d kernel", kernel);
      Checks.positive("conv2d stride", stride);
      Checks.require(padding >= 0, "conv2d padding must be >= 0; provided value: " + padding);
    }

    @Override
    public Shape outputShape(Shape in) {
      return new Shape(filters, outSize(in.height(), "height"), outSize(in.width(), "width"));
    }

    private int outSize(int n, String what) {
      int out = (n + 2 * padding - kernel) / stride + 1;
      if (n + 2 * padding < kernel) {
        throw new InvalidInputException(describe() + " does not fit an input of " + what + " " + n);
      }
      return out;
    }

    @Override
    public long[][] paramShapes(Shape in) {
      return new long[][] {{filters, (long) in.channels() * kernel * kernel}, {filters}};
    }

    /** Glorot-uniform over fan-in C·k² and fan-out F·k² (as Keras does for convolutions). */
    @Override
    public void initialise(Shape in, double[] p, int off, SplittableRandom rng) {
      int fanIn = in.channels() * kernel * kernel;
      double limit = Math.sqrt(6.0 / (fanIn + filters * kernel * kernel));
      for (int k = 0; k < filters * fanIn; k++) {
        p[off + k] = (2 * rng.nextDouble() - 1) * limit;
      }
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new Conv2DLayer(this, in, outputShape(in), dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = map("conv2d", "filters", filters);
      m.put("kernel", kernel);
      m.put("stride", stride);
      m.put("padding", padding);
      return m;
    }

    @Override
    public String describe() {
      return "conv2d(" + filters + "," + kernel + "x" + kernel + ",s" + stride + ",p" + padding
          + ")";
    }
  }

  /** Max or average pooling over size × size windows (no padding). */
  record Pool(boolean max, int size, int stride) implements LayerSpec {
    public Pool {
      Checks.positive("pool size", size);
      Checks.positive("pool stride", stride);
    }

    @Override
    public Shape outputShape(Shape in) {
      if (in.height() < size || in.width() < size) {
        throw new InvalidInputException(describe() + " does not fit an input of " + in);
      }
      return new Shape(
          in.channels(), (in.height() - size) / stride + 1, (in.width() - size) / stride + 1);
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new PoolLayer(this, in, outputShape(in));
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = map(max ? "maxpool" : "avgpool", "size", size);
      m.put("stride", stride);
      return m;
    }

    @Override
    public String describe() {
      return (max ? "maxpool(" : "avgpool(") + size + ",s" + stride + ")";
    }
  }

  /** C × H × W → C·H·W (dense layers also flatten on their own; this makes it explicit). */
  record Flatten() implements LayerSpec {
    @Override
    public Shape outputShape(Shape in) {
      return Shape.flat(in.size());
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new FlattenLayer(outputShape(in));
    }

    @Override
    public Map<String, Object> toMap() {
      return new LinkedHashMap<>(Map.of("type", "flatten"));
    }

    @Override
    public String describe() {
      return "flatten";
    }
  }

  /**
   * Group normalisation (Wu and He 2018): each example's channels are split into groups and
   * normalised over (channels of the group, H, W), then, if {@code affine}, scaled and shifted per
   * channel. It uses one example's statistics only, so per-example gradients stay per-example.
   * Without the affine part it has no parameters: first in a network, or right after a scattering
   * network, it is a fixed layer, computed once per example (Tramèr and Boneh's ScatterNet + linear
   * normalises so; model.input-norm puts one of one group in front of an MLP).
   */
  record GroupNorm(int groups, boolean affine) implements LayerSpec {
    public GroupNorm {
      Checks.positive("groupnorm groups", groups);
    }

    public GroupNorm(int groups) {
      this(groups, true);
    }

    @Override
    public Shape outputShape(Shape in) {
      if (in.channels() % groups != 0) {
        throw new InvalidInputException(
            describe()
                + ": the number of channels ("
                + in.channels()
                + ") must be a multiple of groups");
      }
      return in;
    }

    @Override
    public long[][] paramShapes(Shape in) {
      return affine ? new long[][] {{in.channels()}, {in.channels()}} : new long[0][];
    }

    /** Scale 1, shift 0: the identity after normalisation. */
    @Override
    public void initialise(Shape in, double[] p, int off, SplittableRandom rng) {
      if (!affine) {
        return;
      }
      for (int c = 0; c < in.channels(); c++) {
        p[off + c] = 1.0;
      }
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new GroupNormLayer(groups, affine, outputShape(in), dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = map("groupnorm", "groups", groups);
      if (!affine) {
        m.put("affine", false);
      }
      return m;
    }

    @Override
    public String describe() {
      return affine ? "groupnorm(" + groups + ")" : "groupnorm(" + groups + ", no affine)";
    }
  }

  /**
   * Element-wise activation: tanh, relu, or the tempered sigmoid s·σ(T·x) − o of Papernot et al.
   * (tanh is s = 2, T = 2, o = 1); bounded activations keep activations, and so gradient norms,
   * from exploding under clipping.
   */
  record Activate(String kind, double scale, double temperature, double offset)
      implements LayerSpec {
    public Activate {
      Checks.require(
          kind.equals("tanh") || kind.equals("relu") || kind.equals("tempered-sigmoid"),
          "activation must be one of tanh, relu, tempered-sigmoid; provided value: " + kind);
      Checks.positive("tempered-sigmoid scale", scale);
      Checks.positive("tempered-sigmoid temperature", temperature);
      Checks.require(
          Double.isFinite(offset),
          "tempered-sigmoid offset must be finite; provided value: " + offset);
    }

    public static Activate tanh() {
      return new Activate("tanh", 1, 1, 0);
    }

    public static Activate relu() {
      return new Activate("relu", 1, 1, 0);
    }

    public static Activate temperedSigmoid(double scale, double temperature, double offset) {
      return new Activate("tempered-sigmoid", scale, temperature, offset);
    }

    public static Activate of(Activation a) {
      return a == Activation.RELU ? relu() : tanh();
    }

    @Override
    public Shape outputShape(Shape in) {
      return in;
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new ActivationLayer(this, in);
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>(Map.of("type", kind));
      if (kind.equals("tempered-sigmoid")) {
        m.put("scale", scale);
        m.put("temperature", temperature);
        m.put("offset", offset);
      }
      return m;
    }

    @Override
    public String describe() {
      return kind.equals("tempered-sigmoid")
          ? "tsigmoid(s" + scale + ",T" + temperature + ",o" + offset + ")"
          : kind;
    }
  }

  /**
   * A fixed wavelet scattering network (Morlet wavelets at {@code scales} J and {@code angles} L,
   * orders 0 to 2; see {@link ScatteringTransform}): C × H × W → C·(1 + JL + L²J(J−1)/2) × H/2^J ×
   * W/2^J. No parameters, and its filters depend on nothing but the shape, so its features cost no
   * privacy; DP-SGD then trains only what follows (Tramèr and Boneh 2021). It must be the first
   * layer: it passes no gradient back.
   *
   * <p>{@code multiscale} also appends, per channel, the transforms with fewer scales J' = J−1 … 1
   * (finer maps, each H/2^J' × W/2^J'), folded onto the H/2^J × W/2^J grid: the map of J' whose
   * pixel (i·f + a, j·f + b) is at (i, j) of output map (a·f + b)·M' + k, f = 2^(J−J'), M' =
   * mapsPerChannel(J', L), k its map index. So each polyphase block of M' maps is a coarse image of
   * its own, and the total is the same number of values as the finer maps themselves.
   */
  record Scattering(int scales, int angles, boolean multiscale) implements LayerSpec {
    public Scattering {
      Checks.require(
          scales >= 1 && scales <= 4,
          "scattering scales must be in 1..4; provided value: " + scales);
      Checks.require(
          angles >= 1 && angles <= 16,
          "scattering angles must be in 1..16; provided value: " + angles);
    }

    public Scattering(int scales, int angles) {
      this(scales, angles, false);
    }

    /** Output maps per input channel, the folded finer transforms included. */
    public int mapsPerChannel() {
      int maps = ScatteringTransform.mapsPerChannel(scales, angles);
      for (int finer = multiscale ? scales - 1 : 0; finer >= 1; finer--) {
        maps += ScatteringTransform.mapsPerChannel(finer, angles) << (2 * (scales - finer));
      }
      return maps;
    }

    @Override
    public Shape outputShape(Shape in) {
      int cell = 1 << scales;
      int pad = ScatteringTransform.padding(scales);
      if (in.height() % cell != 0
          || in.width() % cell != 0
          || in.height() <= pad
          || in.width() <= pad) {
        throw new InvalidInputException(
            describe()
                + " needs an input whose height and width are multiples of "
                + cell
                + " (2^scales) and larger than "
                + pad
                + "; provided input: "
                + in);
      }
      return new Shape(in.channels() * mapsPerChannel(), in.height() / cell, in.width() / cell);
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new ScatteringLayer(this, in, dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = map("scattering", "scales", scales);
      m.put("angles", angles);
      // only when set, so that layer lists saved before the option read back unchanged
      if (multiscale) {
        m.put("multiscale", true);
      }
      return m;
    }

    @Override
    public String describe() {
      return "scattering(J" + scales + ",L" + angles + (multiscale ? ",multiscale" : "") + ")";
    }
  }

  /**
   * The network's own input, each example standardised by its own mean and standard deviation over
   * all its values (a {@link GroupNorm} of one group without parameters) and multiplied by {@code
   * weight}, appended after the features computed so far (flattened). After a scattering network it
   * hands the classifier the pixels' fine detail that the scattering's low-pass averages away; the
   * weight sets their share of each example's gradient norm beside the normalised maps. It has no
   * parameters and must follow fixed layers only ({@link ModelSpec#fixedLayers}), so it is computed
   * once per example with them, and no backward pass reaches it.
   */
  record AppendInput(double weight) implements LayerSpec {
    public AppendInput {
      Checks.require(
          weight > 0 && Double.isFinite(weight),
          "append-input weight must be a positive number; provided value: " + weight);
    }

    /** Undefined without the network's input: {@link #outputShape(Shape, Shape)}. */
    @Override
    public Shape outputShape(Shape in) {
      throw new IllegalStateException(describe() + " needs the network's input shape");
    }

    @Override
    public Shape outputShape(Shape in, Shape networkInput) {
      return Shape.flat(in.size() + networkInput.size());
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      throw new IllegalStateException(describe() + " needs the network's input shape");
    }

    @Override
    public Layer create(Shape in, Shape networkInput, DataType dtype) {
      return new AppendInputLayer(weight, in, networkInput, dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      return map("append-input", "weight", weight);
    }

    @Override
    public String describe() {
      return "append-input(" + weight + ")";
    }
  }

  /**
   * Token ids → learned vectors, the first layer of a language model ({@link
   * ModelSpec#isSequence}): its input shape V × T × 1 stands for T ids over V symbols (one-hot
   * vectors stored as their ids, see {@link Shape#sequence}); its output is T positions of {@code
   * dim} values. The table is [V × dim], row v the vector of id v.
   */
  record Embedding(int dim) implements LayerSpec {
    public Embedding {
      Checks.positive("embedding dim", dim);
    }

    @Override
    public Shape outputShape(Shape in) {
      return Shape.sequence(in.height(), dim);
    }

    @Override
    public long[][] paramShapes(Shape in) {
      return new long[][] {{in.channels(), dim}};
    }

    /** Glorot-uniform over the table, as for a dense layer from one-hot inputs. */
    @Override
    public void initialise(Shape in, double[] p, int off, SplittableRandom rng) {
      double limit = Math.sqrt(6.0 / (in.channels() + dim));
      for (int k = 0; k < in.channels() * dim; k++) {
        p[off + k] = (2 * rng.nextDouble() - 1) * limit;
      }
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new EmbeddingLayer(in, dim, dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      return map("embedding", "dim", dim);
    }

    @Override
    public String describe() {
      return "embedding(" + dim + ")";
    }
  }

  /**
   * Causal 1-D convolution over the positions of a sequence: y_t = b + Σ_j W_j x_{t − j·dilation}
   * for j = 0..kernel−1, with zeros before the first position, so position t sees nothing after t
   * (a language model must not see the characters it predicts). Kernel 1 is a per-position dense
   * layer. Weights [filters × kernel·C], column j·C + c holding tap j of input channel c.
   */
  record CausalConv1D(int filters, int kernel, int dilation) implements LayerSpec {
    public CausalConv1D {
      Checks.positive("causal-conv1d filters", filters);
      Checks.positive("causal-conv1d kernel", kernel);
      Checks.positive("causal-conv1d dilation", dilation);
    }

    @Override
    public Shape outputShape(Shape in) {
      long reach = (long) (kernel - 1) * dilation;
      if (reach >= in.height()) {
        throw new InvalidInputException(
            describe()
                + " reaches back (kernel − 1)·dilation = "
                + reach
                + " positions, not fewer than the "
                + in.height()
                + " positions of the window");
      }
      return Shape.sequence(in.height(), filters);
    }

    @Override
    public long[][] paramShapes(Shape in) {
      return new long[][] {{filters, (long) kernel * in.channels()}, {filters}};
    }

    /** Glorot-uniform over fan-in k·C and fan-out k·F (as Keras does for convolutions). */
    @Override
    public void initialise(Shape in, double[] p, int off, SplittableRandom rng) {
      int fanIn = kernel * in.channels();
      double limit = Math.sqrt(6.0 / (fanIn + kernel * filters));
      for (int k = 0; k < filters * fanIn; k++) {
        p[off + k] = (2 * rng.nextDouble() - 1) * limit;
      }
    }

    @Override
    public Layer create(Shape in, DataType dtype) {
      return new CausalConv1DLayer(this, in, dtype);
    }

    @Override
    public Map<String, Object> toMap() {
      Map<String, Object> m = map("causal-conv1d", "filters", filters);
      m.put("kernel", kernel);
      m.put("dilation", dilation);
      return m;
    }

    @Override
    public String describe() {
      return "causal-conv1d(" + filters + ",k" + kernel + ",d" + dilation + ")";
    }
  }

  private static Map<String, Object> map(String type, String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put(key, value);
    return m;
  }
}
