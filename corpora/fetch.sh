#!/usr/bin/env bash
# Makes corpora/nsmc and corpora/chatbot available: links ../shared/corpora/... when that
# exists beside the checkout, otherwise downloads the public files. The data is git-ignored.
set -euo pipefail
cd "$(dirname "$0")"
shared="../../shared/corpora"

provide() { # name, then download commands
    local name=$1
    if [ -e "$name" ]; then return; fi
    if [ -d "$shared/$name" ]; then
        ln -s "$(cd "$shared/$name" && pwd)" "$name"
        echo "corpora: linked $name -> $shared/$name" >&2
    else
        echo "corpora: downloading $name" >&2
        mkdir -p "$name.partial"
        ( cd "$name.partial" && shift && "$@" )
        mv "$name.partial" "$name"
    fi
}

download_nsmc() {
    local base=https://raw.githubusercontent.com/e9t/nsmc/master
    curl -fsSL -o ratings_train.txt "$base/ratings_train.txt"
    curl -fsSL -o ratings_test.txt "$base/ratings_test.txt"
}
download_chatbot() {
    local base=https://raw.githubusercontent.com/songys/Chatbot_data/master
    curl -fsSL -o ChatbotData.csv "$base/ChatbotData.csv"
    curl -fsSL -o LICENSE "$base/LICENSE"
}

provide nsmc download_nsmc
provide chatbot download_chatbot
