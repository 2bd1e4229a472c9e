"""Debian's headless Chromium driven by selenium, for the browser tests and the screenshots.

Selenium is given the system browser and driver by path, so Selenium Manager (which would fetch
a browser or a driver from the network) never runs; SE_OFFLINE says the same to any selenium
code that would still consult it. The switches keep Chromium from its own background traffic,
which the closed network refuses: updates, sync, QUIC, first-run pages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SWITCHES = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",  # screenshots the same with or without a scrollbar; widths are measured in JS
    "--lang=zh-CN",
    # No name leaves the browser: it still looks up its search engine and Google's update hosts
    # at start-up despite the switches above; the app is reached by its IP address.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
MOBILE_UP_TO = 480


def available() -> bool:
    return CHROMIUM.is_file() and CHROMEDRIVER.is_file()


@contextmanager
def chromium(width: int, height: int = 800, *, javascript: bool = True) -> Iterator[WebDriver]:
    """A fresh headless Chromium whose viewport is width × height CSS pixels, at device pixel ratio 1.

    Up to 480 px the viewport is a phone's (mobile: the page's viewport meta applies, touch on);
    wider, a desktop window. The browser console is kept at every level, for get_log('browser').
    With javascript=False the profile blocks scripts on every site, as a user's setting would;
    touch is then left off, because chromedriver's emulated tap waits on script and never returns."""
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for switch in SWITCHES:
        options.add_argument(switch)
    options.add_argument(f"--user-data-dir={profile}")
    mobile = width <= MOBILE_UP_TO
    options.add_experimental_option(
        "mobileEmulation",
        {
            "deviceMetrics": {
                "width": width,
                "height": height,
                "pixelRatio": 1.0,
                "mobile": mobile,
                "touch": mobile and javascript,
            }
        },
    )
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def full_page_png(driver: WebDriver, max_height: int = 4000) -> bytes:
    """A screenshot of the whole page (up to max_height CSS pixels tall) at the viewport's width."""
    import base64

    width, height = driver.execute_script(
        "return [window.innerWidth, Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])
