#!/bin/sh
# Sharded COCO evaluation with a plain `xargs -P`: K workers each wrote the results of their own images to
# DIR/res0.json ... DIR/res<K-1>.json; each file is evaluated into a partial (DIR/part<i>.ckpt), K at a time,
# and the partials are merged. The printed stats equal `cocokit eval coco --json` of all the results at once.
#
#   sh xargs_eval.sh GT.json DIR K [bbox|segm|keypoints|boundary]
set -eu
gt=$1 dir=$2 k=$3 iou=${4:-bbox}

seq 0 $((k - 1)) | xargs -P "$k" -I{} \
  cocokit eval coco --gt "$gt" --dt "$dir/res{}.json" --iou-type "$iou" --partial "$dir/part{}.ckpt" -q
cocokit eval merge "$dir"/part*.ckpt --json
