package io.cutflow.standalone.webui;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium and its chromedriver ({@code apt-get install chromium chromium-driver}, which
 * {@code ops/test.sh} does when they are missing), driven by Selenium at their fixed paths, so that
 * Selenium Manager never looks for or downloads a browser or a driver.
 */
final class HeadlessChromium {
  /** Debian's paths; the properties exist to check that a missing driver skips the test. */
  static final Path DRIVER =
      Path.of(System.getProperty("cutflow.test.chromedriver", "/usr/bin/chromedriver"));

  static final Path BROWSER =
      Path.of(System.getProperty("cutflow.test.chromium", "/usr/bin/chromium"));

  private HeadlessChromium() {}

  static boolean installed() {
    return Files.isExecutable(DRIVER) && Files.isExecutable(BROWSER);
  }

  /**
   * Skips the calling test (never passes it) when the browser or its driver is not installed. Call
   * it per test ({@code @BeforeEach}): Surefire counts an assumption failing in {@code @BeforeAll}
   * as no test at all rather than as skipped ones.
   */
  static void assumeInstalled() {
    Assumptions.assumeTrue(
        installed(),
        "no "
            + DRIVER
            + " or "
            + BROWSER
            + ": apt-get install -y chromium chromium-driver (ops/test.sh does it)");
  }

  /** A headless browser with a 1000 px wide window. */
  static ChromeDriver start() {
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    System.setProperty("SE_OFFLINE", "true"); // Selenium Manager: never go online
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(DRIVER.toFile())
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1000,1100",
        "--disable-gpu");
    // the page's console, so that a test can tell a script error from a refused request
    options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return driver;
  }

  /** Saves what the page shows now as {@code target/<name>.png}; returns the file. */
  static Path screenshot(ChromeDriver driver, String name) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "webui-screenshots"));
    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Path to = dir.resolve(name + ".png");
    Files.copy(shot.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return to;
  }
}
