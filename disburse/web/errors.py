"""Error pages for people (issue 18): 403, 404, 500 … inside the layout, in Chinese (English with the switch),
each with a way home — for every blueprint's pages; the API keeps answering problem+json.

The API's error handlers (:mod:`disburse.api.problems`) are the application's; outside ``/api/`` they call
the renderer this module registers as ``disburse.error_page``.
"""

import logging
from typing import Any

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from markupsafe import escape

log = logging.getLogger(__name__)

#: What each status tells the reader: (title, explanation).
PAGES = {
    400: (_l("请求有误"), _l("页面收到的内容无法处理，请返回上一页检查后重试。")),
    401: (_l("请先登录"), _l("登录后才能查看此页面。")),
    403: (_l("无权访问"), _l("您的角色或辖区无权查看或办理此页面的内容。如需办理，请联系有权限的部门。")),
    404: (_l("页面不存在"), _l("找不到您要访问的页面或记录，或它不在您的辖区内。")),
    405: (_l("请求方式不正确"), _l("此页面不能以这种方式打开，请从页面上的链接或按钮进入。")),
    413: (_l("上传内容过大"), _l("上传的文件或内容超过了允许的大小。")),
    422: (_l("内容无法处理"), _l("提交的数值超出允许范围，未作任何修改。")),
    429: (_l("操作过于频繁"), _l("请稍后再试。")),
    500: (_l("系统出错"), _l("处理请求时发生错误，已记录在案，未作任何修改。请稍后再试。")),
}
GENERIC = (_l("请求未能完成"), _l("请返回首页后重试。"))

#: The page if even the layout cannot be drawn (the database may be what failed).
BARE = ('<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{status} · disburse</title>'
        '<h1>{status}</h1><p>系统暂时无法显示此页面。The page cannot be shown right now.</p>'
        '<p><a href="/">返回首页 · Home</a></p></html>')


def render(status: int) -> Any:
    title, explanation = PAGES.get(status, GENERIC)
    try:
        return render_template("error.html", status=status, title=title, explanation=explanation), status
    except Exception:  # the layout needs the session and the inbox; when they fail, say so plainly
        log.exception("the error page %s could not be drawn", status)
        return BARE.format(status=escape(str(status))), status, {"Content-Type": "text/html; charset=utf-8"}


def init_app(app: Flask) -> None:
    app.extensions["disburse.error_page"] = render
