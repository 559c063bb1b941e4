package org.sparkdpsgd.ml

import com.fasterxml.jackson.databind.ObjectMapper
import java.nio.file.{Files, Path, Paths}
import org.apache.spark.sql.{DataFrame, SparkSession}
import org.scalatest.flatspec.AnyFlatSpec
import org.scalatest.matchers.should.Matchers
import org.sparkdpsgd.data.FashionMnist
import scala.collection.JavaConverters._

/**
 * Runs the code of notebooks/fashion-mnist-dpsgd.zpln. Each paragraph of the note must appear
 * verbatim between the ZEPPELIN markers below (checked first), so the note cannot drift from
 * what this spec executes. `spark` and `z` stand in for Zeppelin's own.
 */
class ZeppelinNoteSpec extends AnyFlatSpec with Matchers {
  private val noteFile = Paths.get("..", "notebooks", "fashion-mnist-dpsgd.zpln")
  private val source = Paths.get("src", "test", "scala", "org", "sparkdpsgd", "ml", "ZeppelinNoteSpec.scala")

  "The Zeppelin note" should "contain exactly the code this spec runs" in {
    val paragraphs = new ObjectMapper().readTree(noteFile.toFile).get("paragraphs").elements().asScala
      .map(_.get("text").asText().stripPrefix("%spark\n")).toList
    val body = new String(Files.readAllBytes(source), "UTF-8")
    val marked = "// ZEPPELIN-BEGIN\n([\\s\\S]*?)\\s*// ZEPPELIN-END".r.findAllMatchIn(body)
      .map(_.group(1).linesIterator.map(_.stripPrefix("    ")).mkString("\n").trim).toList
    paragraphs.map(_.trim) shouldBe marked
  }

  it should "train with DP-SGD and report epsilon and accuracy" in {
    assume(Files.isDirectory(Paths.get(FashionMnist.DEBIAN_DIR)), "needs the Debian package dataset-fashion-mnist")
    val spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
      .config("spark.driver.host", "127.0.0.1").getOrCreate()
    object z { def show(df: DataFrame): Unit = df.show(5) }

    // ZEPPELIN-BEGIN
    import org.sparkdpsgd.data.FashionMnist
    import org.sparkdpsgd.ml.{DPSGDClassifier, DPSGDClassificationModel}

    val trainRows = 5000
    val train = FashionMnist.load(spark, FashionMnist.DEBIAN_DIR, FashionMnist.Split.TRAIN, trainRows)
    val test = FashionMnist.load(spark, FashionMnist.DEBIAN_DIR, FashionMnist.Split.TEST, 2000)
    println(s"${train.count()} training images, ${test.count()} test images")
    // ZEPPELIN-END

    // ZEPPELIN-BEGIN
    val dp = new DPSGDClassifier()
      .setHiddenLayers(Array(256)).setActivation("tanh")
      .setTargetEpsilon(3.0).setDelta(1e-5).setL2NormClip(1.0)
      .setExpectedBatchSize(512).setEpochs(5)
      .setOptimizer("momentum").setLearningRate(0.5)
    val model = dp.fit(train)
    println(model.privacyReport.summary)
    // ZEPPELIN-END

    // ZEPPELIN-BEGIN
    val accuracy = model.transform(test).where("prediction = label").count().toDouble / test.count()
    println(f"test accuracy ${100 * accuracy}%.2f%% at epsilon ${model.privacyReport.epsilon}%.3f, delta ${model.privacyReport.delta}%.0e")
    // ZEPPELIN-END

    // ZEPPELIN-BEGIN
    val steps = model.trainingSummary.toArray.map(_.asInstanceOf[org.sparkdpsgd.train.StepMetrics])
    z.show(spark.createDataFrame(steps.map(m => (m.step, m.epsilon, m.examplesPerSecond)).toSeq).toDF("step", "epsilon", "examples_per_second"))
    // ZEPPELIN-END

    // ZEPPELIN-BEGIN
    // ε over the steps as a picture with a numeric step axis (Zeppelin's own charts put x on categories)
    import org.knowm.xchart.{BitmapEncoder, XYChartBuilder}
    val spent = steps.filter(m => !m.epsilon.isInfinite)
    val epsChart = new XYChartBuilder().width(640).height(320).title("Privacy spent (RDP ε at δ = 1e-5)")
      .xAxisTitle("step").yAxisTitle("ε").build()
    epsChart.getStyler.setLegendVisible(false)
    epsChart.addSeries("ε", spent.map(_.step.toDouble), spent.map(_.epsilon))
      .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE)
    val epsPng = BitmapEncoder.getBitmapBytes(epsChart, BitmapEncoder.BitmapFormat.PNG)
    println("%html <img src=\"data:image/png;base64," + java.util.Base64.getEncoder.encodeToString(epsPng) + "\">")
    // ZEPPELIN-END

    // ZEPPELIN-BEGIN
    // Privacy per person: the images given to synthetic users (image i to user i mod 500, a public rule).
    // Each step samples users and clips each user's mean gradient as a whole; ε then covers all of one
    // user's images. setNumMicrobatches(M), TF Privacy's other knob, is example-level and not combined with it.
    val byUser = FashionMnist.load(spark, FashionMnist.DEBIAN_DIR, FashionMnist.Split.TRAIN, trainRows, trainRows / 10)
    val perUser = new DPSGDClassifier()
      .setHiddenLayers(Array(256)).setActivation("tanh")
      .setTargetEpsilon(3.0).setDelta(1e-5).setL2NormClip(1.0)
      .setUserCol("user").setExpectedBatchSize(50).setEpochs(10)
      .setOptimizer("momentum").setLearningRate(0.5)
    val userModel = perUser.fit(byUser)
    println(userModel.privacyReport.summary)
    // ZEPPELIN-END

    userModel.privacyReport.users shouldBe 500
    userModel.privacyReport.neighbouring shouldBe "add-or-remove-one-user"
    userModel.privacyReport.epsilon shouldBe 3.0 +- 1e-6
    model.privacyReport.epsilon shouldBe 3.0 +- 1e-6
    javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(epsPng)).getWidth shouldBe 640
    accuracy should be > 0.7
    steps.length.toLong shouldBe model.privacyReport.steps
  }
}
