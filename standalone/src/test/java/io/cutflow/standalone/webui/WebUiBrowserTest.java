package io.cutflow.standalone.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.ingest.webui.WebUiSettings;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.TestPhotos;
import io.cutflow.standalone.infra.WorkerUnderTest;
import io.cutflow.worker.model.ModelRegistry;
import io.cutflow.worker.model.ModelSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real headless Chromium against the embedded stack (real broker, real S3 server, a
 * real worker process with the ONNX model, the ingest server in this JVM): files picked through the
 * page's file input, results pushed to the page, the ZIP fetched from the link it shows.
 * Screenshots of each state land in {@code target/webui-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiBrowserTest {
  private static final String KEY = "webui-secret";
  private static final long MAX_UPLOAD = 4L << 20;
  private static final Duration RESULTS = Duration.ofSeconds(180);
  private static final List<String> PHOTOS = List.of("car-1.jpg", "girl-1.jpg", "car-3.jpg");

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private JavaProcess worker;
  private IngestServer server;
  private ChromeDriver driver;
  private List<TestPhotos.Photo> photos;
  private Path photoDir;

  @BeforeAll
  void start() throws Exception {
    photoDir = TestPhotos.dir();
    if (!HeadlessChromium.installed() || photoDir == null) {
      return; // each test is reported skipped by openThePage
    }
    photos = TestPhotos.load(photoDir, PHOTOS);
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "2")));
    worker = WorkerUnderTest.start(stack, "webui-worker");
    CutflowConfig config =
        IngestUnderTest.config(
            stack,
            "webui-status",
            Map.of(
                "cutflow.ingest.api-key",
                KEY,
                "cutflow.ingest.max-upload-bytes",
                String.valueOf(4L << 20)));
    ModelSpec served = ModelRegistry.createDefault().defaultModel();
    server =
        IngestServer.start(
            config,
            0,
            new MetricRegistry(),
            List.of(new WebUiSettings.ModelChoice(served.name(), served.description(), true)));
    assertTrue(server.awaitReady(Duration.ofSeconds(60)), "status store ready");
    driver = HeadlessChromium.start();
  }

  @AfterAll
  void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    WorkerUnderTest.closeAll(server, worker, stack);
  }

  @BeforeEach
  void openThePage() {
    HeadlessChromium.assumeInstalled();
    Assumptions.assumeTrue(photoDir != null, "shared/testdata/photos not found");
    driver.get(server.url() + "/");
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    // the key is asked once per tab session; later loads reuse it
    WebElement keyForm = driver.findElement(By.id("key-form"));
    wait.until(d -> keyForm.isDisplayed() || live(d));
    if (keyForm.isDisplayed()) {
      driver.findElement(By.id("api-key")).sendKeys(KEY);
      driver.findElement(By.cssSelector("#key-form button[type=submit]")).click();
    }
    wait.until(WebUiBrowserTest::live);
  }

  /**
   * No script error on the page (an uncaught exception, a module that failed to load). Refused
   * requests are the tests' own doing (a 401, a 413, a cutout asked for before it is stored), and
   * the browser logs each as an error too: those are not the page's.
   */
  @AfterEach
  void thePageRaisedNoScriptError() {
    if (driver == null) {
      return;
    }
    List<String> errors =
        driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
            .map(LogEntry::getMessage)
            .filter(m -> !m.contains("Failed to load resource"))
            .toList();
    assertTrue(errors.isEmpty(), "script errors on the page: " + errors);
  }

  @Test
  @Order(1)
  void threePhotosAndATextFileBecomeThreeCutoutsAndOneFailureWithoutReload(@TempDir Path tmp)
      throws Exception {
    HeadlessChromium.screenshot(driver, "1-empty");
    js("window.__sameDocument = 'yes';"); // gone if the page reloads
    new Select(driver.findElement(By.id("model")))
        .selectByValue(ModelRegistry.createDefault().defaultModel().name());
    Path notes = Files.writeString(tmp.resolve("notes.txt"), "not an image\n");
    List<String> paths = new ArrayList<>();
    PHOTOS.forEach(p -> paths.add(photoDir.resolve(p).toString()));
    paths.add(notes.toString());
    driver.findElement(By.id("files")).sendKeys(String.join("\n", paths));

    WebDriverWait wait = new WebDriverWait(driver, RESULTS);
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#tiles .tile"), 4));
    HeadlessChromium.screenshot(driver, "2-in-progress");

    wait.until(
        d -> d.findElements(By.cssSelector(".tile[data-state=done] img.cutout")).size() == 3);
    wait.until(d -> d.findElements(By.cssSelector(".tile[data-state=failed]")).size() == 1);
    HeadlessChromium.screenshot(driver, "3-done");
    assertEquals("yes", js("return window.__sameDocument;"), "the page reloaded");

    WebElement failed = driver.findElement(By.cssSelector(".tile[data-state=failed]"));
    assertEquals("notes.txt", failed.findElement(By.className("name")).getText());
    String message = failed.findElement(By.className("message")).getText();
    assertTrue(message.contains("notes.txt: detected text/plain, not an image"), message);
    for (WebElement tile : driver.findElements(By.cssSelector(".tile[data-state=done]"))) {
      assertTrue(PHOTOS.contains(tile.findElement(By.className("name")).getText()));
      assertTrue(tile.findElement(By.tagName("img")).getAttribute("src").startsWith("blob:"));
      assertEquals("Download PNG", tile.findElement(By.cssSelector("a.download")).getText().trim());
    }
    String summary = driver.findElement(By.id("summary")).getText();
    assertTrue(summary.startsWith("4 of 4 finished · 3 done · 1 failed"), summary);
    // the throughput chart has drawn the ingest's /v1/stats (every 2 s)
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .until(
            d ->
                String.valueOf(d.findElement(By.id("chart")).getAttribute("aria-label"))
                    .matches("Throughput, last minute: \\d+\\.\\d\\d images/s"));

    // before/after: the toggle shows the original, and back
    WebElement tile = driver.findElement(By.cssSelector(".tile[data-state=done]"));
    WebElement img = tile.findElement(By.tagName("img"));
    String cutoutSrc = img.getAttribute("src");
    WebElement flip = tile.findElement(By.cssSelector("button[aria-pressed]"));
    flip.click();
    assertEquals("true", flip.getAttribute("aria-pressed"));
    assertTrue(!img.getAttribute("src").equals(cutoutSrc), "the original is shown");
    flip.click();
    assertEquals(cutoutSrc, img.getAttribute("src"));

    driver.findElement(By.id("zip-prepare")).click();
    WebElement link =
        new WebDriverWait(driver, Duration.ofSeconds(20))
            .until(ExpectedConditions.visibilityOfElementLocated(By.id("zip-link")));
    String href = link.getAttribute("href"); // absolute: the link as the browser would follow it
    HttpResponse<byte[]> zip =
        http.send(
            HttpRequest.newBuilder(URI.create(href)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, zip.statusCode(), () -> new String(zip.body(), StandardCharsets.UTF_8));
    Map<String, BufferedImage> entries = unzip(zip.body());
    assertEquals(3, entries.size(), entries.keySet().toString());
    for (TestPhotos.Photo p : photos) {
      String name = p.name().replace(".jpg", ".png");
      BufferedImage cut = entries.get(name);
      assertTrue(cut != null, name + " missing from " + entries.keySet());
      assertEquals(p.width(), cut.getWidth(), name);
      assertEquals(p.height(), cut.getHeight(), name);
      assertTrue(cut.getColorModel().hasAlpha(), name);
    }
  }

  @Test
  @Order(2)
  void aFileNamedLikeMarkupIsShownAsText(@TempDir Path tmp) throws Exception {
    String name = "<img src=x onerror=alert(1)>.png";
    BufferedImage small = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(small, "png", png);
    Path file = Files.write(tmp.resolve(name), png.toByteArray());
    int before = driver.findElements(By.cssSelector("#tiles .tile")).size();
    driver.findElement(By.id("files")).sendKeys(file.toString());

    WebDriverWait wait = new WebDriverWait(driver, RESULTS);
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#tiles .tile"), before + 1));
    WebElement tile = driver.findElements(By.cssSelector("#tiles .tile")).get(before);
    wait.until(d -> List.of("done", "failed").contains(tile.getAttribute("data-state")));
    assertEquals(name, tile.findElement(By.className("name")).getText());
    assertEquals(0, driver.findElements(By.cssSelector("img[src='x']")).size(), "markup ran");
    assertEquals(0, tile.findElement(By.className("name")).findElements(By.xpath("*")).size());
    assertThrows(NoAlertPresentException.class, () -> driver.switchTo().alert());
  }

  @Test
  @Order(3)
  void controlsAreLabelledKeyboardOperableAndFitANarrowScreen() throws Exception {
    Object unlabelled =
        js(
            "return Array.from(document.querySelectorAll('input, select, textarea'))"
                + ".filter(e => e.labels.length === 0 && !e.getAttribute('aria-label'))"
                + ".map(e => e.id || e.outerHTML);");
    assertEquals(List.of(), unlabelled, "controls without a label");

    // Tab from the top of the page reaches every option; Space toggles alpha matting
    js("document.activeElement && document.activeElement.blur();");
    List<String> reached = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      new Actions(driver).sendKeys(Keys.TAB).perform();
      String id = (String) js("return document.activeElement.id;");
      reached.add(id);
      if (id.equals("a")) {
        break;
      }
    }
    assertTrue(
        reached.containsAll(List.of("files", "model", "om", "ppm", "bgc-on", "a")),
        reached.toString());
    assertTrue(!driver.findElement(By.id("af")).isEnabled());
    new Actions(driver).sendKeys(Keys.SPACE).perform();
    assertTrue(driver.findElement(By.id("a")).isSelected());
    assertTrue(driver.findElement(By.id("af")).isEnabled(), "thresholds follow the checkbox");

    driver.manage().window().setSize(new Dimension(400, 900));
    try {
      Thread.sleep(300); // let the layout settle
      Number sideways =
          (Number)
              js(
                  "return document.documentElement.scrollWidth"
                      + " - document.documentElement.clientWidth;");
      Object wide =
          js(
              "const w = document.documentElement.clientWidth;"
                  + " return Array.from(document.querySelectorAll('body *'))"
                  + ".filter(e => e.getBoundingClientRect().right > w)"
                  + ".map(e => e.tagName + '#' + e.id + '.' + e.className);");
      assertTrue(
          sideways.intValue() <= 0,
          "scrolls sideways by " + sideways + " px at 400 px; too wide: " + wide);
      HeadlessChromium.screenshot(driver, "4-narrow");
    } finally {
      driver.manage().window().setSize(new Dimension(1000, 1100));
    }
  }

  @Test
  @Order(4)
  void anUploadOverTheLimitIsRefusedInThePageAndTheServersRefusalIsShown(@TempDir Path tmp)
      throws Exception {
    // over the limit: never sent
    Path big = Files.write(tmp.resolve("big.jpg"), new byte[(int) MAX_UPLOAD + 1]);
    // under it, but not with the form around it: the server's 413, as the server words it
    Path edge = Files.write(tmp.resolve("edge.jpg"), new byte[(int) MAX_UPLOAD - 16]);
    driver.findElement(By.id("files")).sendKeys(big + "\n" + edge);
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
    wait.until(d -> d.findElements(By.cssSelector(".tile[data-state=failed]")).size() == 2);
    List<WebElement> tiles = driver.findElements(By.cssSelector(".tile"));
    String refused = tiles.get(0).findElement(By.className("message")).getText();
    assertTrue(refused.contains("over the server's limit of 4 MiB per upload; not sent"), refused);
    String tooLarge = tiles.get(1).findElement(By.className("message")).getText();
    assertTrue(
        tooLarge.contains("exceeds the limit of " + MAX_UPLOAD + " bytes"), "shown: " + tooLarge);
  }

  @Test
  @Order(5)
  void aBusyServersAnswerIsSentAgainAfterItsRetryAfter() throws Exception {
    // a proxy in front of the server answers the first two uploads 503 with Retry-After: 1
    js(
        "const real = window.fetch; window.__refused = 0;"
            + "window.fetch = (path, o) => {"
            + "  if (path === '/v1/jobs' && window.__refused < 2) {"
            + "    window.__refused++;"
            + "    return Promise.resolve(new Response("
            + "      JSON.stringify({error: 'overloaded', message: 'busy (injected by the test)'}),"
            + "      {status: 503, headers: {'Retry-After': '1',"
            + "                              'Content-Type': 'application/json'}}));"
            + "  }"
            + "  return real(path, o);"
            + "};");
    driver.findElement(By.id("files")).sendKeys(photoDir.resolve(PHOTOS.get(0)).toString());
    WebDriverWait wait = new WebDriverWait(driver, RESULTS);
    wait.until(d -> d.findElements(By.cssSelector(".tile[data-state=waiting]")).size() == 1);
    WebElement tile = driver.findElement(By.cssSelector(".tile"));
    String state = tile.findElement(By.className("state")).getText();
    assertTrue(state.matches("server busy: retry [12] of 5 in 1 s"), state);
    String why = tile.findElement(By.className("message")).getText();
    assertEquals("busy (injected by the test)", why);

    wait.until(
        d -> d.findElements(By.cssSelector(".tile[data-state=done] img.cutout")).size() == 1);
    assertEquals(2L, js("return window.__refused;"));
    assertFalse(tile.findElement(By.className("message")).isDisplayed(), "the note is gone");
  }

  private static boolean live(org.openqa.selenium.WebDriver d) {
    return "live".equals(d.findElement(By.id("connection")).getAttribute("data-state"));
  }

  private Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  private static Map<String, BufferedImage> unzip(byte[] zip) throws Exception {
    Map<String, BufferedImage> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        out.put(e.getName(), ImageIO.read(new ByteArrayInputStream(in.readAllBytes())));
      }
    }
    return out;
  }
}
