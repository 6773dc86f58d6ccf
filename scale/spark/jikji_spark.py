"""Jikji's scale-out steps under Apache Spark: word counting and dataset encoding run on the
executors through the `jikji` binary, the merge (and vocabulary training) on the driver.

Every step is a `jikji` command; Spark only cuts the input, runs one command per partition and
brings the outputs back. The results are those of the single-machine commands, byte for byte
(the counts add up whatever the cuts; dataset parts merge in shard order).

    spark-submit --master local[2] --files .build/release/jikji scale/spark/jikji_spark.py \
        count --input corpora/nsmc/ratings_train.txt --text-column document --partitions 4 \
        --work /tmp/jikji-spark --train-name nsmc --train-option=--vocab-size=8000

See scale/spark/README.md for the recipes, the cluster submit lines and what executors need.
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession


def executor_binary(name):
    """The jikji binary shipped to this executor (--files or --archives), made executable."""
    path = name if os.path.isabs(name) else None
    if path is None:
        # --archives bundle.tar.gz#jikji puts the bundle in the working directory;
        # --files .../jikji puts the binary where SparkFiles says.
        local = os.path.join(os.getcwd(), name)
        path = local if os.path.exists(local) else SparkFiles.get(os.path.basename(name))
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def run_jikji(binary, arguments, stdin_lines=None):
    """Runs jikji; returns its standard output as bytes, raising with its error text on failure."""
    process = subprocess.Popen([binary] + arguments, stdin=subprocess.PIPE if stdin_lines is not None else None,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin_lines is not None:
        # Fed from a thread-free loop: jikji reads as we write, and writes its counts only at the end.
        try:
            for line in stdin_lines:
                process.stdin.write(line.encode("utf-8"))
                process.stdin.write(b"\n")
        finally:
            process.stdin.close()
    output = process.stdout.read()
    errors = process.stderr.read().decode("utf-8", "replace")
    if process.wait() != 0:
        raise RuntimeError("jikji %s failed:\n%s" % (" ".join(arguments[:3]), errors))
    return output


def piped_counts(binary_name, header, options):
    """mapPartitionsWithIndex body: the partition's lines piped through `jikji vocab count --input -`."""
    def count(index, lines):
        binary = executor_binary(binary_name)
        def with_header():
            # Every partition but the first lacks the file's header line: give it back.
            first = True
            for line in lines:
                if first and header is not None and not (index == 0 and line == header):
                    yield header
                first = False
                yield line
            if first and header is not None:
                yield header
        shard = run_jikji(binary, ["vocab", "count", "--input", "-", "--output", "-"] + options, with_header())
        yield index, shard
    return count


def sharded_command(binary_name, arguments_for, output_is_file):
    """mapPartitionsWithIndex body: shard `index` of N by jikji's own byte ranges (--shard I/N)."""
    def run(index, _):
        binary = executor_binary(binary_name)
        if not output_is_file:
            yield index, run_jikji(binary, arguments_for(index, "-"))
            return
        folder = tempfile.mkdtemp(prefix="jikji-part-")
        try:
            path = os.path.join(folder, "part.jkds")
            run_jikji(binary, arguments_for(index, path))
            with open(path, "rb") as part:
                yield index, part.read()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return run


def collect_parts(rdd, folder, suffix):
    """Writes each partition's output to folder/part-NNNNN<suffix> on the driver, one at a time."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for index, data in rdd.toLocalIterator():
        path = os.path.join(folder, "part-%05d%s" % (index, suffix))
        with open(path, "wb") as out:
            out.write(data)
        paths.append(path)
    return sorted(paths)


def count_recipe(spark, args):
    sc = spark.sparkContext
    options = (["--text-column", args.text_column] if args.text_column else []) + args.jikji_option
    if args.pipe:
        # Spark reads the text (any storage it can read); the header of a delimited file goes to every partition.
        rdd = sc.textFile(",".join(args.input), minPartitions=args.partitions)
        header = rdd.first() if args.text_column else None
        outputs = rdd.mapPartitionsWithIndex(piped_counts(args.jikji, header, options))
    else:
        # Executors read the files themselves (a path every executor sees), cut by jikji at record ends.
        n = args.partitions
        def arguments(index, output):
            return ["vocab", "count", "--input"] + args.input + ["--shard", "%d/%d" % (index, n), "--output", output] + options
        outputs = sc.parallelize(range(n), n).mapPartitionsWithIndex(sharded_command(args.jikji, arguments, False))
    shards = collect_parts(outputs, os.path.join(args.work, "shards"), ".counts")
    driver = args.driver_jikji
    merged = os.path.join(args.work, "merged.counts")
    sys.stdout.write(run_jikji(driver, ["vocab", "merge-counts"] + shards + ["--output", merged]).decode())
    if args.train_name:
        train = ["vocab", "train", "--from-counts", merged, "--name", args.train_name] + args.train_option
        if args.vocab_txt:
            train += ["--output", args.vocab_txt]
        sys.stdout.write(run_jikji(driver, train).decode())


def dataset_recipe(spark, args):
    sc = spark.sparkContext
    n = args.partitions
    database = args.db
    ship_db = os.path.basename(database)
    build = args.build_option
    def arguments(index, output):
        # The vocabulary database is shipped with --files; executors read it read-only.
        local_db = SparkFiles.get(ship_db)
        return (["dataset", "build", "--db", local_db, "--vocab", args.vocab, "--name", args.name, "--input"] + args.input
                + build + ["--shard", "%d/%d" % (index, n), "--output", output])
    outputs = sc.parallelize(range(n), n).mapPartitionsWithIndex(sharded_command(args.jikji, arguments, True))
    parts = collect_parts(outputs, os.path.join(args.work, "parts"), ".jkds")
    merge = ["dataset", "merge"] + parts + ["--db", database, "--name", args.name] + (["--replace"] if args.replace else [])
    sys.stdout.write(run_jikji(args.driver_jikji, merge).decode())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jikji", default="jikji",
                        help="the binary on executors: a name shipped with --files, or a path inside an --archives bundle")
    parser.add_argument("--driver-jikji", default=None, help="the binary on the driver (default: --jikji as a local path)")
    parser.add_argument("--partitions", type=int, default=4, help="how many pieces to cut the input into")
    parser.add_argument("--work", required=True, help="a folder on the driver for the shards and the merged output")
    steps = parser.add_subparsers(dest="step", required=True)

    count = steps.add_parser("count", help="vocab count on executors, merge-counts (and train) on the driver")
    count.add_argument("--input", nargs="+", required=True)
    count.add_argument("--text-column")
    count.add_argument("--pipe", action="store_true",
                       help="let Spark read the input (sc.textFile) and pipe each partition through jikji; "
                            "lines, TSV and JSONL only (a CSV field spanning lines would be cut)")
    count.add_argument("--jikji-option", action="append", default=[],
                       help="a counting option passed to every vocab count, e.g. --jikji-option=--lowercase")
    count.add_argument("--train-name", help="train a vocabulary of this name from the merged counts")
    count.add_argument("--train-option", action="append", default=[], help="a vocab train option, e.g. --train-option=--vocab-size=8000")
    count.add_argument("--vocab-txt", help="also write the trained vocabulary as vocab.txt here")

    dataset = steps.add_parser("dataset", help="dataset build --shard on executors, dataset merge on the driver")
    dataset.add_argument("--input", nargs="+", required=True, help="corpus files every executor can read")
    dataset.add_argument("--db", required=True, help="the Jikji database with the vocabulary (also shipped with --files)")
    dataset.add_argument("--vocab", required=True)
    dataset.add_argument("--name", required=True)
    dataset.add_argument("--build-option", action="append", default=[],
                         help="a dataset build option, e.g. --build-option=--text-column=document")
    dataset.add_argument("--replace", action="store_true")

    args = parser.parse_args()
    if args.driver_jikji is None:
        args.driver_jikji = os.path.abspath(args.jikji)
    # Options given as --x=--flag=value arrive whole: split them into argv words.
    for name in ("jikji_option", "train_option", "build_option"):
        if hasattr(args, name):
            words = []
            for option in getattr(args, name):
                words += option.split("=", 1) if option.startswith("--") and "=" in option else [option]
            setattr(args, name, words)
    spark = SparkSession.builder.appName("jikji-" + args.step).getOrCreate()
    try:
        (count_recipe if args.step == "count" else dataset_recipe)(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
