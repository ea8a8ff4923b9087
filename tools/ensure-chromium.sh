#!/bin/sh
# Make sure headless Chromium and CJK fonts are present for tests/test_html_browser.py.
# Installs the Debian packages `chromium` and `fonts-noto-cjk` with apt-get when /usr/bin/chromium is
# missing and we are root; otherwise says why it did nothing (the browser test then skips with a reason).
# Never fails the build: a machine without apt or network still runs every other test.
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    if ! fc-list 2>/dev/null | grep -qi "Noto.*CJK"; then
        echo "ensure-chromium: $CHROMIUM 已安装,但没有 CJK 字体(fonts-noto-cjk);中文可能显示为方框" >&2
    fi
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "ensure-chromium: 未安装 $CHROMIUM,且当前不是 root,跳过安装(浏览器测试将跳过)。" \
         "可手动运行: sudo apt-get install -y chromium fonts-noto-cjk" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: 未安装 $CHROMIUM,且系统没有 apt-get,跳过安装(浏览器测试将跳过)。" >&2
    exit 0
fi
echo "ensure-chromium: 正在安装 chromium 和 fonts-noto-cjk(apt-get,需要几分钟)..." >&2
if DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
   && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null; then
    echo "ensure-chromium: 已安装 $CHROMIUM" >&2
else
    echo "ensure-chromium: apt-get 安装失败(可能没有网络),跳过;浏览器测试将跳过。" >&2
fi
exit 0
