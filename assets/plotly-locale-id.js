/* Plotly's Indonesian locale ("id"), served locally with the dashboard's other assets.
 * Plotly ships no `id` locale file in the installed packages, so this one registers it the way
 * Plotly's own dist/plotly-locale-*.js files do: through Plotly.register when plotly.js is already
 * loaded, else through window.PlotlyLocales, which plotly.js registers when it starts.
 * Every chart asks for it with config {locale: "id"} (dashboard/components/charts.py).
 */
(function () {
    var locale = {
        moduleType: "locale",
        name: "id",
        dictionary: {
            "Autoscale": "Skala otomatis",
            "Box Select": "Pilih kotak",
            "Click to enter Colorscale title": "Klik untuk mengisi judul skala warna",
            "Click to enter Component A title": "Klik untuk mengisi judul komponen A",
            "Click to enter Component B title": "Klik untuk mengisi judul komponen B",
            "Click to enter Component C title": "Klik untuk mengisi judul komponen C",
            "Click to enter Plot title": "Klik untuk mengisi judul grafik",
            "Click to enter X axis title": "Klik untuk mengisi judul sumbu X",
            "Click to enter Y axis title": "Klik untuk mengisi judul sumbu Y",
            "Click to enter radial axis title": "Klik untuk mengisi judul sumbu radial",
            "Compare data on hover": "Bandingkan data saat tetikus di atasnya",
            "Double-click on legend to isolate one trace": "Klik dua kali pada legenda untuk menampilkan satu seri saja",
            "Double-click to zoom back out": "Klik dua kali untuk kembali ke tampilan semula",
            "Download plot": "Unduh grafik",
            "Download plot as a PNG": "Unduh grafik sebagai PNG",
            "Download plot as a png": "Unduh grafik sebagai PNG",
            "Download plot as JSON": "Unduh grafik sebagai JSON",
            "Draw circle": "Gambar lingkaran",
            "Draw closed freeform": "Gambar bentuk bebas tertutup",
            "Draw line": "Gambar garis",
            "Draw open freeform": "Gambar bentuk bebas terbuka",
            "Draw rectangle": "Gambar persegi panjang",
            "Erase active shape": "Hapus bentuk aktif",
            "Image download succeeded": "Gambar berhasil diunduh",
            "JSON download succeeded": "JSON berhasil diunduh",
            "Lasso Select": "Pilih laso",
            "Orbital rotation": "Rotasi orbit",
            "Pan": "Geser",
            "Preparing image - this may take a few seconds": "Menyiapkan gambar, mungkin perlu beberapa detik",
            "Produced with Plotly.js": "Dibuat dengan Plotly.js",
            "Reset": "Atur ulang",
            "Reset axes": "Atur ulang sumbu",
            "Reset camera to default": "Kembalikan kamera ke bawaan",
            "Reset camera to last save": "Kembalikan kamera ke simpanan terakhir",
            "Reset view": "Atur ulang tampilan",
            "Reset views": "Atur ulang tampilan",
            "Show closest data on hover": "Tampilkan data terdekat saat tetikus di atasnya",
            "Snapshot succeeded": "Gambar berhasil dibuat",
            "Sorry, there was a problem downloading your JSON file!": "Maaf, terjadi masalah saat mengunduh berkas JSON.",
            "Sorry, there was a problem downloading your image!": "Maaf, terjadi masalah saat mengunduh gambar.",
            "Sorry, there was a problem downloading your snapshot!": "Maaf, terjadi masalah saat mengunduh gambar.",
            "Taking snapshot - this may take a few seconds": "Membuat gambar, mungkin perlu beberapa detik",
            "Toggle Spike Lines": "Tampilkan/sembunyikan garis bantu",
            "Toggle show closest data on hover": "Tampilkan/sembunyikan data terdekat",
            "Turntable rotation": "Rotasi meja putar",
            "Zoom": "Perbesar area",
            "Zoom in": "Perbesar",
            "Zoom out": "Perkecil",
            "close:": "tutup:",
            "high:": "tertinggi:",
            "incoming flow count:": "jumlah aliran masuk:",
            "kde:": "kde:",
            "lat:": "lintang:",
            "lon:": "bujur:",
            "low:": "terendah:",
            "lower fence:": "batas bawah:",
            "max:": "maks:",
            "mean ± σ:": "rata-rata ± σ:",
            "mean:": "rata-rata:",
            "median:": "median:",
            "min:": "min:",
            "new text": "teks baru",
            "open:": "buka:",
            "outgoing flow count:": "jumlah aliran keluar:",
            "q1:": "k1:",
            "q3:": "k3:",
            "source:": "sumber:",
            "target:": "tujuan:",
            "trace": "seri",
            "upper fence:": "batas atas:"
        },
        format: {
            days: ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
            shortDays: ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
            months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                     "Oktober", "November", "Desember"],
            shortMonths: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
            date: "%d/%m/%Y",
            decimal: ",",
            thousands: "."
        }
    };
    if (typeof window.Plotly === "undefined" || typeof window.Plotly.register !== "function") {
        window.PlotlyLocales = window.PlotlyLocales || [];
        window.PlotlyLocales.push(locale);
    } else {
        window.Plotly.register(locale);
    }
})();
