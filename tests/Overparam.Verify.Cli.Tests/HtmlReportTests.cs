using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;
using Xunit.Abstractions;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// The default certificate of every registered theorem, certified once for the whole class (each run takes seconds):
/// the folder certify wrote and the certificate read back.
/// </summary>
public sealed class DefaultCertificates : IDisposable
{
    public DefaultCertificates()
    {
        foreach (var t in Theory.Theorems.All)
        {
            var dir = H.PathOf(t.Command);
            var (code, _, err) = H.Run("certify", t.Command, "--out", dir);
            // Any verdict is a report to render; only a bad-input or internal failure is not.
            Assert.True(code is 0 or 1 or 3 or 4, $"certify {t.Command}: exit {code}: {err}");
            All.Add((t.Command, dir, CertificateJson.Deserialize(File.ReadAllText(Path.Combine(dir, "certificate.json")))));
        }
    }

    public CliHarness H { get; } = new();

    public List<(string Command, string Dir, Certificate Certificate)> All { get; } = [];

    public void Dispose() => H.Dispose();
}

public sealed partial class HtmlReportTests(DefaultCertificates defaults, ITestOutputHelper output) : IClassFixture<DefaultCertificates>
{
    private static IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    private static IEnumerable<string> Ids(Certificate c) => c.Conditions.Select(r => r.Id).Concat(c.Predictions.Select(p => p.Id));

    [Fact]
    public void HtmlReport_DefaultCertificates_VerdictIdsAndOneSvgPerPlot()
    {
        foreach (var (command, dir, c) in defaults.All)
        {
            var html = File.ReadAllText(Path.Combine(dir, "report.html"));
            var doc = Parse(html);
            string kind = ContractNames.Of(c.Verdict.Kind);

            var header = doc.QuerySelector("header#verdict");
            Assert.NotNull(header);
            Assert.Contains($"verdict-{kind}", header.ClassList);
            Assert.Equal(kind, header.QuerySelector(".verdict-name")?.TextContent);
            Assert.Equal(c.Verdict.Reason, header.QuerySelector(".reason")?.TextContent);
            // The verdict comes before every table.
            Assert.Same(header, doc.Body!.FirstElementChild);

            var idCells = doc.QuerySelectorAll("td.id").Select(td => td.TextContent).ToHashSet(StringComparer.Ordinal);
            foreach (var id in Ids(c)) Assert.True(idCells.Contains(id), $"{command}: {id} is not in a table of report.html");
            Assert.Contains(c.Reproduce, doc.QuerySelector("#reproduce")!.TextContent, StringComparison.Ordinal);
            Assert.Contains("overparam verify certificate.json", doc.QuerySelector("#reproduce")!.TextContent, StringComparison.Ordinal);
            foreach (var o in c.Options) Assert.Contains($"--{o.Name}", doc.QuerySelector("#instance")!.TextContent, StringComparison.Ordinal);

            var plots = doc.QuerySelectorAll("svg.trace-plot");
            Assert.Equal(c.Trace.Plots.Count, plots.Length);
            foreach (var svg in doc.QuerySelectorAll("svg.plot"))
            {
                var lines = svg.QuerySelectorAll("polyline").Select(p => Points(p.GetAttribute("points")!)).ToList();
                Assert.Contains(lines, pts => pts.Count >= 2);
                Assert.All(lines.SelectMany(pts => pts), xy => Assert.True(double.IsFinite(xy.X) && double.IsFinite(xy.Y), $"{command}: non-finite point"));
                // Axis labels and a legend naming each line's status.
                Assert.True(svg.QuerySelectorAll("text").Length >= 6, $"{command}: a plot without tick labels");
                Assert.Contains(svg.QuerySelectorAll("text.legend"), t => Regex.IsMatch(t.TextContent, "(exact|certified|estimated)$"));
            }
            foreach (var svg in plots.Where(s => s.QuerySelector("polyline.bound") is not null))
                Assert.NotNull(svg.QuerySelector("circle.worst"));

            // One chart per spectrum, its smallest eigenvalue circled and named with its value.
            var spectra = doc.QuerySelectorAll("svg.spectrum-plot");
            Assert.Equal(c.Trace.Spectra.Count, spectra.Length);
            foreach (var (svg, sp) in spectra.Zip(c.Trace.Spectra))
                Assert.Equal($"λ_min = {SvgAxes.Label(sp.Values.Min())}", svg.QuerySelector("circle.lambda-min title")?.TextContent);

            // Self-contained: nothing to fetch, no script at all.
            Assert.Empty(doc.QuerySelectorAll("script, link, img, iframe, object, embed"));
            Assert.DoesNotMatch("(?i)https?://", html);
            Assert.DoesNotMatch(@"url\((?!#)", html);
            Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ModerateReport_ShowsLossContractionDriftAndSpectra()
    {
        // Issue 9's list for certify moderate: loss vs envelope, contraction vs its bound, drift vs the radius, spectra.
        var (_, dir, c) = defaults.All.Single(a => a.Command == "moderate");
        var titles = Parse(File.ReadAllText(Path.Combine(dir, "report.html"))).QuerySelectorAll("svg.trace-plot title").Select(t => t.TextContent).ToList();
        Assert.Contains(titles, t => t.StartsWith("loss against the predicted envelope", StringComparison.Ordinal));
        Assert.Contains(titles, t => t.StartsWith("per-step contraction", StringComparison.Ordinal));
        Assert.Contains(titles, t => t.StartsWith("drift", StringComparison.Ordinal));
        Assert.Equal(["ntk0", "sigma"], c.Trace.Spectra.Select(s => s.Name));
        // The plotted spectra agree with the certificate's own numbers: λ_min(Σ(X)) = λ(X), λ_min of the NTK = α².
        double lambdaX = c.Quantities.SelectMany(g => g.Values).First(q => q.Name == "lambda(X)").Value;
        double alpha = c.Quantities.SelectMany(g => g.Values).First(q => q.Name == "alpha").Value;
        Assert.True(Math.Abs(c.Trace.Spectra[1].Values.Min() - lambdaX) <= 1e-9 * c.Trace.Spectra[1].Values.Max(), $"{c.Trace.Spectra[1].Values.Min():R} vs λ(X) = {lambdaX:R}");
        Assert.True(Math.Abs(c.Trace.Spectra[0].Values.Min() - alpha * alpha) <= 1e-9 * c.Trace.Spectra[0].Values.Max(), $"{c.Trace.Spectra[0].Values.Min():R} vs α² = {alpha * alpha:R}");
        Assert.Equal(c.Trace.Spectra[0].Values.Order(), c.Trace.Spectra[0].Values);
    }

    [Fact]
    public void MarkdownAndConsole_DefaultCertificates_NameEveryId()
    {
        foreach (var (command, dir, c) in defaults.All)
        {
            var md = File.ReadAllText(Path.Combine(dir, "report.md"));
            var console = new StringWriter(CultureInfo.InvariantCulture);
            CertificateReport.WriteSummary(console, c);
            var lines = console.ToString().Split('\n');
            foreach (var id in Ids(c))
            {
                Assert.True(md.Contains($"| {id} |", StringComparison.Ordinal), $"{command}: {id} missing from report.md");
                Assert.True(lines.Any(l => l.StartsWith(id + " ", StringComparison.Ordinal)), $"{command}: {id} missing from the console table");
            }
            Assert.Contains($"verdict: {ContractNames.Of(c.Verdict.Kind)}", console.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HtmlReport_HostileText_IsEscaped()
    {
        const string evil = "<script>alert('x')</script> & \"q\" <img src=x>";
        var c = defaults.All[0].Certificate;
        c = c with
        {
            Verdict = c.Verdict with { Reason = evil },
            Theorem = c.Theorem with { Title = evil, Statement = evil },
            Conditions = [.. c.Conditions.Select(r => r with { Statement = evil, Reason = evil })],
            Quantities = [.. c.Quantities.Select(g => g with { Title = evil })],
            Trace = c.Trace with { Plots = [.. c.Trace.Plots.Select(p => p with { Title = evil })] },
        };
        var doc = Parse(HtmlReport.Render(c));
        Assert.Empty(doc.QuerySelectorAll("script, img"));
        Assert.Equal(evil, doc.QuerySelector(".reason")!.TextContent);
        Assert.Contains(evil, doc.QuerySelector("figure h3")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void SvgLineChart_NaNAndNonPositiveOnLogAxis_BreakTheLine()
    {
        double[] x = [0, 1, 2, 3, 4, 5, 6];
        var plot = new ReportPlot("t", true,
            new ReportSeries("step", ColumnRole.Index, NumberStatusKind.Exact, "", x),
            new ReportSeries("loss", ColumnRole.Observed, NumberStatusKind.Exact, "", [1, 0.5, double.NaN, 0.1, 0, 0.01, 0.005]),
            new ReportSeries("envelope", ColumnRole.Bound, NumberStatusKind.Estimated, "", [1, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05]),
            LogY: true, Worst: 0);
        var svg = Parse("<body>" + SvgLineChart.Render(plot, "t") + "</body>").QuerySelector("svg")!;
        var observed = svg.QuerySelectorAll("polyline.observed").Select(p => Points(p.GetAttribute("points")!)).ToList();
        // [1, 0.5] and [0.01, 0.005] are lines; the lone 0.1 between a NaN and a zero is a dot.
        Assert.Equal([2, 2], observed.Select(p => p.Count));
        Assert.Single(svg.QuerySelectorAll("circle.observed"));
        Assert.Equal(7, Points(svg.QuerySelector("polyline.bound")!.GetAttribute("points")!).Count);
        Assert.Contains(svg.QuerySelectorAll("text"), t => t.TextContent == "10⁻³");
    }

    [Fact]
    public void Report_FormatHtmlToFile_EqualsCertifysPage()
    {
        var (_, dir, _) = defaults.All[0];
        using var h = new CliHarness();
        var cert = Path.Combine(dir, "certificate.json");
        var (code, stdout, err) = h.Run("report", cert, "--format", "html", "--out", h.PathOf("r.html"));
        Assert.True(code == 0, err);
        Assert.Contains("wrote", stdout, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "report.html")), File.ReadAllText(h.PathOf("r.html")));
        // The format follows the --out extension when --format is not given.
        Assert.Equal(0, h.Run("report", cert, "--out", h.PathOf("r.md")).Code);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "report.md")), File.ReadAllText(h.PathOf("r.md")));
        var (c2, html, _) = h.Run("report", cert, "--format", "html");
        Assert.Equal(0, c2);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "report.html")), html);
    }

    [Fact]
    public async Task HtmlReport_ScreenshotInChromium_IsNotBlank()
    {
        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            output.WriteLine($"SKIPPED: {chromium} is not installed (apt-get install chromium); the report was not rendered in a browser.");
            return;
        }
        // The last theorem with a plot: today P4, the page with the most plots and rows.
        var (_, dir, _) = defaults.All.Last(d => d.Certificate.Trace.Plots.Count > 0);
        var png = Path.Combine(defaults.H.Dir, "shot-" + Guid.NewGuid().ToString("N") + ".png");
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", $"--user-data-dir={Path.Combine(defaults.H.Dir, "chromium-profile")}",
                     $"--screenshot={png}", "--window-size=1280,2000", new Uri(Path.Combine(dir, "report.html")).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish in 90 s");
            }
            Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {p.ExitCode}): {await stderr}");
        }
        var (width, height, colours, inked) = PngStats(File.ReadAllBytes(png));
        output.WriteLine($"screenshot {width}×{height}: {colours} distinct colours, {inked:P1} of pixels not white");
        Assert.Equal((1280, 2000), (width, height));
        // Text, badges, the verdict banner and the plot lines: a blank or failed page has one or two colours.
        Assert.True(colours >= 16, $"only {colours} colours: the page looks blank");
        Assert.True(inked > 0.02, $"only {inked:P2} of the pixels are not white");
    }

    private static List<(double X, double Y)> Points(string points) =>
        points.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p =>
        {
            var xy = p.Split(',');
            return (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture));
        }).ToList();

    /// <summary>
    /// Size, number of distinct colours and fraction of non-white pixels of an 8-bit RGB or RGBA PNG: the IDAT chunks
    /// inflated (zlib) and un-filtered row by row — enough PNG to judge a screenshot without an image package.
    /// </summary>
    private static (int Width, int Height, int Colours, double Inked) PngStats(byte[] png)
    {
        Assert.Equal([137, 80, 78, 71, 13, 10, 26, 10], png[..8]);
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at + 8 <= png.Length;)
        {
            int len = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, len);
            if (type == "IHDR")
            {
                width = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
                height = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
                Assert.Equal(8, data[8]);   // bit depth
                channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"PNG colour type {data[9]}") };
                Assert.Equal(0, data[12]);  // not interlaced
            }
            else if (type == "IDAT") idat.Write(data);
            else if (type == "IEND") break;
            at += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        int stride = width * channels;
        var prev = new byte[stride];
        var row = new byte[stride];
        var colours = new HashSet<int>();
        long inked = 0;
        for (int y = 0; y < height; y++)
        {
            int filter = z.ReadByte();
            z.ReadExactly(row);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? row[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                });
            }
            for (int x = 0; x < width; x++)
            {
                int o = x * channels, rgb = (row[o] << 16) | (row[o + 1] << 8) | row[o + 2];
                colours.Add(rgb);
                if (rgb != 0xFFFFFF) inked++;
            }
            (prev, row) = (row, prev);
        }
        return (width, height, colours.Count, (double)inked / ((long)width * height));
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
