#!/bin/bash
# Runs the same commands with the old and new binaries and compares every file.
OLD=/work/main/target/debug/glassbox
NEW=/work/wt-tab/target/debug/glassbox
D=/work/wt-tab
T=${1:-/tmp/gbcmp}
rm -rf $T; mkdir -p $T/old $T/new
CON=$D/data/concrete/concrete.csv
MOLD=$D/data/molding/ikv_injection_molding.xlsx
FX=$D/crates/glassbox-models/tests/fixtures/gbdt
MD="--drop MoldNumber,MoldName,BrickType,Variant,Variant_en,RunIndex,SourceOrderRepaired"
run() { # name args...
  local name=$1; shift
  for v in old new; do
    B=$OLD; [ $v = new ] && B=$NEW
    args=("${@//@/$T/$v}")
    $B -q "${args[@]}" --out $T/$v/$name 2>$T/$v/$name.err || echo "$v $name FAILED: $(cat $T/$v/$name.err)"
  done
}
run rf train --data $CON --target "Compressive strength (MPa)" --n-trees 20
run mlp train --data $CON --target "Compressive strength (MPa)" --model mlp --epochs 5
run mrf train --data $MOLD --index-col 0 --target "Weight (g)" $MD --n-trees 10
for m in tree-shap interventional-tree-shap interactions kernel-shap permutation pdp; do
  run rf-$m explain --model @/rf --data $CON --method $m --rows test
done
run rf-lime explain --model @/rf --data $CON --method lime --rows test --lime-samples 300
run rf-ks-km explain --model @/rf --data $CON --method kernel-shap --background-kmeans 5 --nsamples 100 --rows test
run rf-lime-c explain --model @/rf --data $CON --method lime --lime-mode continuous --lime-samples 200 --rows test
for m in deep-shap integrated-gradients gradient-shap kernel-shap; do
  run mlp-$m explain --model @/mlp --data $CON --method $m --rows test
done
run mrf-ts explain --model @/mrf --data $MOLD --index-col 0 --method tree-shap --rows test
run mrf-pdp explain --model @/mrf --data $MOLD --index-col 0 --method pdp --rows test
run mrf-perm explain --model @/mrf --data $MOLD --index-col 0 --method permutation --rows test
for x in xgb_binary xgb_multi lgb_binary xgb_reg; do
  ext=json; [[ $x == lgb* ]] && ext=txt
  run $x-ts explain --model $FX/$x.$ext --data $FX/data.csv --target y --method tree-shap
  run $x-ia explain --model $FX/$x.$ext --data $FX/data.csv --target y --method interactions
done
run xgbb-prob explain --model $FX/xgb_binary.json --data $FX/data.csv --target y --method interventional-tree-shap --output probability --background 50
run xgbb-ks explain --model $FX/xgb_binary.json --data $FX/data.csv --target y --method kernel-shap --output probability --background 20
run xgbm-prob explain --model $FX/xgb_multi.json --data $FX/data.csv --target y --method interventional-tree-shap --output probability --background 10
run xgbb-resc explain --model $FX/xgb_binary.json --data $FX/data.csv --target y --method interventional-tree-shap --output probability --probability-method rescaled --background 30
cd $T/old
for f in $(find . -type f | sort); do
  if [ ! -f $T/new/$f ]; then echo "MISSING in new: $f"; continue; fi
  if ! cmp -s $f $T/new/$f; then
    case $f in
      *metrics.json|*explanation.json|*importance.json) 
        if diff <(grep -v '"seconds"\|"fit_seconds"' $f | sed "s|$T/old|$T/new|") <(grep -v '"seconds"\|"fit_seconds"' $T/new/$f) >/dev/null; then continue; fi;;
    esac
    echo "DIFFERS: $f"
  fi
done
cd $T/new; for f in $(find . -type f | sort); do [ -f $T/old/$f ] || echo "NEW only: $f"; done
