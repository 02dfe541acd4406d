namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// The bad-input contract: exit code 2, exactly one stderr line "overparam: …" naming the problem, no stack trace,
/// nothing on stdout and no file or folder left behind. Arguments are written with placeholders that
/// <see cref="Fixture"/> fills: {dir} (the harness folder), {model} (a valid 2→3→1 model), {data} (a valid CSV, n = 3,
/// d = 2), {wide} (a CSV with d ≥ n for certify), and {store} (a run store holding one sweep).
/// </summary>
public class BadInputTests
{
    private sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Model = H.WriteRandomModel("model.json", 1, "tanh", [2, 3, 1], bias: false, freezeFirst: false, scales: false);
            Data = H.Write("data.csv", "x1,x2,y\n1,2,3\n4,5,6\n7,8.5,1\n");
            Wide = H.Write("wide.csv", "x1,x2,x3,y\n1,0,0,1\n0,1,0,-1\n0,0,1,1\n");
            H.Write("hugex.csv", "x1,x2,y\n1e300,2,1\n4,5,1\n");
            H.Write("hugey.csv", "x1,x2,y\n1,2,1e308\n4,5,1\n");
            H.Write("zeroy.csv", "x1,x2,x3,y\n1,0,0,0\n0,1,0,0\n0,0,1,0\n");
            H.Write("bigweights.json",
                """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh","layers":[{"weight":[[1e200,1e200]]}]}""");
            H.Write("notadb.db", "this is not SQLite\n");
            Directory.CreateDirectory(H.PathOf("adir"));
        }

        public CliHarness H { get; } = new();

        public string Model { get; }

        public string Data { get; }

        public string Wide { get; }

        public string Expand(string arg) => arg
            .Replace("{dir}", H.Dir, StringComparison.Ordinal)
            .Replace("{model}", Model, StringComparison.Ordinal)
            .Replace("{data}", Data, StringComparison.Ordinal)
            .Replace("{wide}", Wide, StringComparison.Ordinal);

        public void Dispose() => H.Dispose();
    }

    private static string[] Listing(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();

    private static void AssertInputError(Fixture f, string expected, string[] args)
    {
        var before = Listing(f.H.Dir);
        var (code, stdout, stderr) = f.H.Run(args.Select(f.Expand).ToArray());
        Assert.True(code == 2, $"exit {code}, stderr: {stderr}");
        Assert.DoesNotContain("   at ", stderr);
        var lines = stderr.TrimEnd('\n', '\r').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("overparam: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.Empty(stdout);
        Assert.Equal(before, Listing(f.H.Dir));   // nothing written, not even an empty output folder
    }

    private static void Check(string expected, string commandLine)
    {
        using var f = new Fixture();
        // '' stands for an empty argument; otherwise arguments are separated by single spaces.
        AssertInputError(f, expected, commandLine.Split(' ').Select(a => a == "''" ? "" : a).ToArray());
    }

    [Theory]
    [InlineData("--optimizer: Argument 'adam' not recognized. Must be one of: 'gd', 'sgd'", "train --model {model} --data {data} --optimizer adam")]
    [InlineData("<kernel>: Argument 'fft' not recognized", "bench fft")]
    [InlineData("--size: 'abc' is not an integer", "bench gemm --size abc")]
    [InlineData("--seed: '-1' is not a non-negative integer", "train --model {model} --data {data} --seed -1")]
    [InlineData("--lr: 'x' is not a number", "train --model {model} --data {data} --lr x")]
    [InlineData("Option '--model' is required; Option '--data' is required", "inspect")]
    [InlineData("--activation: Argument 'swish' not recognized", "sweep moderate --activation swish")]
    public void Parse_BadToken_OneLineNamingTheOption(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    [InlineData("--format: Argument 'pdf' not recognized. Must be one of: 'console', 'md', 'html'", "report {data} --format pdf")]
    [InlineData("missing.json: no such file", "report {dir}/missing.json --format html")]
    [InlineData("--out: directory does not exist", "report {data} --format html --out {dir}/missing/r.html")]
    [InlineData("is a directory, expected a file path", "report {data} --out {dir}/adir")]
    [InlineData("--out: empty path", "report {data} --out ''")]
    public void Report_BadInput_OneLineNothingWritten(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    [InlineData("--trace: empty path", "train --model {model} --data {data} --steps 1 --trace ''")]
    [InlineData("--save-model: empty path", "train --model {model} --data {data} --steps 1 --save-model ''")]
    [InlineData("--out: empty path", "certify local-pl --out ''")]
    [InlineData("--out: empty path", "certify moderate --out ''")]
    [InlineData("--out: empty path", "sweep moderate --n 4 --k 2 --trials 1 --store {dir}/s.db --out ''")]
    [InlineData("run store: empty path", "sweep moderate --n 4 --k 2 --trials 1 --store '' --out {dir}/rep")]
    [InlineData("--out: empty path", "sweep report --store {dir}/s.db --out ''")]
    [InlineData("--out: empty path", "sweep merge {dir}/notadb.db --out ''")]
    public void OutputPath_Empty_ExitsTwo(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    // The report folder used to be created before the store was opened, and stayed behind when that failed.
    [InlineData("is a directory", "sweep moderate --n 4 --k 2 --trials 1 --store {dir}/adir --out {dir}/rep")]
    [InlineData("file is not a database", "sweep moderate --n 4 --k 2 --trials 1 --store {dir}/notadb.db --out {dir}/rep")]
    [InlineData("--store: directory does not exist", "sweep moderate --n 4 --k 2 --trials 1 --store {dir}/missing/s.db --out {dir}/rep")]
    [InlineData("does not exist", "sweep report --store {dir}/missing.db --out {dir}/rep")]
    [InlineData("file is not a database", "sweep report --store {dir}/notadb.db --out {dir}/rep")]
    // certify used to create every missing parent of --out.
    [InlineData("--out: parent folder of", "certify local-pl --n 2 --d 2 --out {dir}/missing/cert")]
    [InlineData("--out: parent folder of", "certify moderate --n 2 --d 2 --k 2 --out {dir}/missing/cert")]
    public void OutputFolder_InputFails_NothingCreated(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    [InlineData("'{dir}/adir' is a directory, expected a run store file", "sweep merge {dir}/notadb.db --out {dir}/adir")]
    [InlineData("is a directory, expected an SQLite file", "sweep merge {dir}/adir --out {dir}/m.db")]
    // An existing --out that is not a store is named as such, not by its temporary copy.
    [InlineData("--out exists but run store '{dir}/notadb.db' is damaged or not a run store", "sweep merge {dir}/notadb.db --out {dir}/notadb.db")]
    public void Merge_BadPaths_ExitTwo(string expected, string commandLine)
    {
        using var f = new Fixture();
        AssertInputError(f, f.Expand(expected), commandLine.Split(' '));
    }

    [Theory]
    [InlineData("row 2: the squared norm of the inputs overflows float64", "inspect --model {model} --data {dir}/hugex.csv")]
    [InlineData("row 2, column 'y': target y = 1E+308 overflows", "inspect --model {model} --data {dir}/hugey.csv")]
    [InlineData("row 2: the squared norm of the inputs overflows float64", "train --model {model} --data {dir}/hugex.csv --probe-ntk --steps 1")]
    [InlineData("target y = 1E+308 overflows", "train --model {model} --data {dir}/hugey.csv --steps 1")]
    [InlineData("target y = 1E+308 overflows", "certify local-pl --data {dir}/hugey.csv --no-compare")]
    [InlineData("the squared norm of the inputs overflows", "certify moderate --data {dir}/hugex.csv --normalize")]
    // Finite weights whose outputs overflow: inspect printed "loss Infinity (exact)", train reported a divergence.
    [InlineData("the loss ½‖f − y‖² of this model on this data overflowed float64", "inspect --model {dir}/bigweights.json --data {data}")]
    [InlineData("the initial loss ½‖f − y‖² of bigweights.json on data.csv overflows float64", "train --model {dir}/bigweights.json --data {data} --steps 1")]
    public void Overflow_FiniteButTooLarge_ExitsTwo(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    // The engine named these by property (LearningRate, LogEvery); --batch was ignored for gd even when 0.
    [InlineData("--lr NaN: the learning rate must be positive and finite", "--lr NaN")]
    [InlineData("--lr Infinity: the learning rate must be positive and finite", "--lr Infinity")]
    [InlineData("--steps -1: must be at least 0", "--steps -1")]
    [InlineData("--batch 0: must be at least 1", "--batch 0 --optimizer sgd")]
    [InlineData("--batch 9: larger than the n = 3 samples", "--batch 9 --optimizer sgd")]
    // Options that the chosen optimizer does not use are refused, not silently ignored.
    [InlineData("--batch does not apply with --optimizer gd", "--batch 2")]
    [InlineData("--end-time does not apply with --optimizer gd", "--end-time 1")]
    [InlineData("--end-time does not apply with --optimizer sgd", "--end-time 1 --optimizer sgd")]
    [InlineData("--seed does not apply with --optimizer flow", "--seed 4 --optimizer flow")]
    [InlineData("--max-seconds 0: must be positive and finite", "--max-seconds 0")]
    [InlineData("--log-every 0: must be at least 1", "--log-every 0")]
    [InlineData("--end-time -1: must be positive", "--end-time -1 --optimizer flow")]
    public void Train_BadOption_NamedAsTyped(string expected, string options) =>
        Check(expected, "train --model {model} --data {data} " + options);

    [Theory]
    [InlineData("bench gemm --size 100000 is too large: its largest matrix would have 1E+10 entries", "bench gemm --size 100000")]
    [InlineData("bench syrk --size 30000 is too large: its largest matrix would have 3.6E+09 entries", "bench syrk --size 30000")]
    // One 35000² matrix fits in an array (1.2e9 entries), the three Cholesky needs (29 GiB) do not fit in memory.
    [InlineData("bench chol --size 35000 is too large: it needs about", "bench chol --size 35000")]
    [InlineData("n·k·d = 12884901882, more than 2E+08", "sweep moderate --n 2147483647 --k 2 --d 3 --store {dir}/s.db --out {dir}/rep")]
    // n·k·d is small, but the n×n NTK of a trial is not (it crashed inside a worker).
    [InlineData("sweep moderate with a cell n = 50000, k = 2 on 1 worker is too large: the n×n NTK of the largest cell", "sweep moderate --n 50000 --k 2 --d 2 --jobs 1 --store {dir}/s.db --out {dir}/rep")]
    // n = 100000 passed the n·k·d guard and crashed with an OverflowException in Matrix..ctor (exit 134).
    [InlineData("certify moderate with n = 100000, d = 10 and k = 200 is too large: the n×n kernel would have 1E+10 entries", "certify moderate --n 100000")]
    [InlineData("certify local-pl with n = 60000, d = 60000 and widths 16,16 is too large", "certify local-pl --n 60000 --d 60000")]
    // A trace of 10¹⁰ records stays in memory until the run ends: refused before training (it used to grow for hours).
    [InlineData("train --steps 10000000000 --log-every 1 is too large: it needs about", "train --model {model} --data {data} --steps 10000000000 --log-every 1")]
    // Fits in one array but not in memory: 5·n² doubles for n = 30000 is about 34 GiB.
    [InlineData("GiB of memory", "certify local-pl --n 30000 --d 30000 --widths 2")]
    public void Size_TooLarge_RejectedBeforeAllocating(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    // Options that would be silently ignored are refused.
    [InlineData("--n does not apply with --data", "certify local-pl --data {wide} --n 3")]
    [InlineData("--d does not apply with --data", "certify moderate --data {wide} --normalize --d 3")]
    [InlineData("--lr does not apply with --optimizer flow", "certify local-pl --optimizer flow --lr 0.1")]
    [InlineData("--trials does not apply with --optimizer gd", "certify moderate --trials 3")]
    [InlineData("--save-model and --trace name the same file", "train --model {model} --data {data} --save-model {dir}/x --trace {dir}/x")]
    [InlineData("--max-seconds -1: must be positive and finite", "certify local-pl --max-seconds -1")]
    public void Options_Inapplicable_Refused(string expected, string commandLine) => Check(expected, commandLine);

    [Theory]
    // (All-zero targets, f(w₀) = 0, are a certificate now: VerdictHonestyTests.LocalPl_ZeroInitialLoss_InconclusiveNotVacuous.)
    // Overflow at the initial point crashed the eigensolver or an empty Seq.min.
    [InlineData("‖∇f(w₀)‖² overflows float64: --output-scale a = 1e+300", "certify local-pl --n 2 --d 2 --widths 4 --output-scale 1e300 --no-compare --steps 10")]
    [InlineData("the NTK J Jᵀ at W₀ overflows float64: --nu 1E+300", "certify moderate --n 4 --d 3 --k 2 --nu 1e300 --steps 10")]
    [InlineData("‖∇L(W₀)‖² overflows float64: --nu 1E+100", "certify moderate --n 4 --d 3 --k 2 --nu 1e100 --steps 10")]
    public void Certify_DegenerateInitialPoint_ExitsTwo(string expected, string commandLine)
    {
        using var f = new Fixture();
        var args = commandLine.Split(' ').Append("--out").Append(f.H.PathOf("cert")).ToArray();
        AssertInputError(f, expected, args);
    }

    [Theory]
    [InlineData("cannot read model file: it is a directory", "inspect --model {dir}/adir --data {data}")]
    [InlineData("cannot read model file: file not found", "inspect --model {dir}/none.json --data {data}")]
    [InlineData("{dir}/adir/y.npy is a directory, expected a .npy file", "inspect --model {model} --data {dir}/adir")]
    public void InputPath_DirectoryOrMissing_Named(string expected, string commandLine)
    {
        using var f = new Fixture();
        if (expected.Contains("y.npy", StringComparison.Ordinal))
        {
            // A data folder whose y.npy is a folder: X.npy is valid, so the message must be about y.npy.
            File.WriteAllBytes(f.H.PathOf("adir/X.npy"), NpyBytes([3, 2], [1, 2, 3, 4, 5, 6]));
            Directory.CreateDirectory(f.H.PathOf("adir/y.npy"));
        }
        AssertInputError(f, f.Expand(expected), commandLine.Split(' '));
    }

    [Fact]
    public void Sweep_ResumeWithSeveralStoredSweeps_DiffersFromTheNearest()
    {
        using var f = new Fixture();
        var store = f.H.PathOf("s.db");
        foreach (var seed in new[] { "1", "2" })
        {
            var (c, _, e) = f.H.Run("sweep", "moderate", "--n", "4", "--k", "2", "--d", "3", "--trials", "1", "--steps", "5",
                "--jobs", "1", "--seed", seed, "--store", store, "--out", f.H.PathOf("rep" + seed));
            Assert.True(c == 0, e);
        }
        // Seed 2 with another step budget: the message compares with the seed-2 sweep (only the steps differ), not with
        // the first stored one (whose seed differs too).
        AssertInputError(f, "the stored sweep differs in steps: 5 (now 6)", ["sweep", "moderate", "--n", "4", "--k", "2", "--d", "3",
            "--trials", "1", "--steps", "6", "--jobs", "1", "--seed", "2", "--store", store, "--out", f.H.PathOf("rep3"), "--resume"]);
    }

    [Theory]
    [InlineData("train --model {model} --data {data} --steps 3 --probe-ntk --trace {dir}/t.csv")]
    [InlineData("inspect --model {model} --data {data}")]
    public void LegitimateRun_PrintsNothingOnStderr(string commandLine)
    {
        using var f = new Fixture();
        var (code, stdout, stderr) = f.H.Run(commandLine.Split(' ').Select(f.Expand).ToArray());
        Assert.True(code == 0, stderr);
        Assert.Empty(stderr);
        Assert.NotEmpty(stdout);
    }

    private static byte[] NpyBytes(int[] shape, double[] data)
    {
        string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + string.Join(", ", shape) + (shape.Length == 1 ? "," : "") + "), }";
        int pad = 64 - (10 + dict.Length + 1) % 64;
        var header = System.Text.Encoding.ASCII.GetBytes(dict + new string(' ', pad) + "\n");
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        ms.Write(header);
        foreach (var v in data) ms.Write(BitConverter.GetBytes(v));
        return ms.ToArray();
    }
}
