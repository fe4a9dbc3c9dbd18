## The signature receipt as a PDF: what a signer keeps and prints

pledge-cli-receipt-pdf-written = Receipt { $number } (PDF) written to { $path }
receipt-error-no-font = No Chinese font on this machine, so no PDF receipt can be made. Install one of the Debian packages { $packages } (e.g. apt-get install fonts-wqy-microhei); the HTML receipt needs no font and still works (print it from a browser).
receipt-verify-text-pdf = 1. The document SHA-256 is the SHA-256 of the full pledge text (UTF-8). The exact text is attached to this PDF (attachment { $file }): compute the SHA-256 of the attachment to check it. It must equal the "Document SHA-256" above and the fingerprint (first 12 characters) shown on the phone when signing.
    2. The audit event hash is the record written to the audit chain when signing; run muster audit verify on the server to check that the chain is intact.
    3. Run muster pledge receipt { $number } --out receipt.pdf on the server to produce this receipt again at any time.
btn-pledge-receipt-pdf = 📄 Signature receipt (PDF)
pledge-receipt-pdf-caption = Signature receipt { $number }: keep it or print it.
pledge-receipt-html-caption = The server has no Chinese font, so no PDF can be made yet; here is the same receipt { $number } as a web page: open it in a browser to print it.
