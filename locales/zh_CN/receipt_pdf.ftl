## 签署回执 PDF：签署人保存、打印的文件

pledge-cli-receipt-pdf-written = 签署回执 { $number }（PDF）已写入 { $path }
receipt-error-no-font = 本机没有中文字体，无法生成 PDF 回执。请安装 Debian 软件包 { $packages } 之一（例如 apt-get install fonts-wqy-microhei）；HTML 回执不需要字体，仍可生成并用浏览器打印。
receipt-verify-text-pdf = 1. 文件 SHA-256 是承诺书全文（UTF-8 编码）的 SHA-256 值。全文原样附在本 PDF 中（附件 { $file }），可对附件计算 SHA-256 核对；它应与上面的「文件 SHA-256」一致，也与签署时手机上显示的文件指纹（前 12 位）一致。
    2. 审计事件哈希是签署时写入审计链的记录；在服务器上运行 muster audit verify 可核验审计链完整未被篡改。
    3. 在服务器上运行 muster pledge receipt { $number } --out 回执.pdf 可随时重新生成本回执。
btn-pledge-receipt-pdf = 📄 签署回执（PDF）
pledge-receipt-pdf-caption = 签署回执 { $number }：请保存或打印。
pledge-receipt-html-caption = 服务器上没有中文字体，暂时无法生成 PDF，这是同样内容的网页版回执 { $number }：用浏览器打开后可打印。
