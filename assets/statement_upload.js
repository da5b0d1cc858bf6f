/* Surat Pernyataan: judge the chosen scan in the browser (size and PDF signature), so a file the form will
   refuse is named at once and its bytes never travel to the server just to be refused. The server renders the
   message (statement_form.scan_info) from this small verdict. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    mpn_statement: {
        scan_verdict: function (contents, name) {
            if (!contents) {
                return null;
            }
            const data = contents.slice(contents.indexOf(",") + 1);
            const padding = data.endsWith("==") ? 2 : (data.endsWith("=") ? 1 : 0);
            let pdf = false;
            try {
                pdf = window.atob(data.slice(0, 8)).startsWith("%PDF-");
            } catch (e) {
                pdf = false;
            }
            return {name: name || "pindaian.pdf", size: Math.floor(data.length * 3 / 4) - padding, pdf: pdf};
        }
    }
});
