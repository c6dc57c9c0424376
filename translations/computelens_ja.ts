<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ja_JP">
  <context>
    <name>lens::views::DataView</name>
    <message>
      <source>No problems loaded.</source>
      <translation>問題が読み込まれていません。</translation>
    </message>
    <message>
      <source>File…</source>
      <translation>ファイル…</translation>
    </message>
    <message>
      <source>Folder…</source>
      <translation>フォルダー…</translation>
    </message>
    <message>
      <source>Built-in task</source>
      <translation>組み込みタスク</translation>
    </message>
    <message>
      <source>Open a MATH JSONL file (PRM800K fields: problem, solution, answer, subject, level)</source>
      <translation>MATH の JSONL ファイルを開く (PRM800K のフィールド: problem, solution, answer, subject, level)</translation>
    </message>
    <message>
      <source>Open a MATH folder tree (&lt;split&gt;/&lt;subject&gt;/&lt;n&gt;.json)</source>
      <translation>MATH のフォルダーツリーを開く (&lt;split&gt;/&lt;subject&gt;/&lt;n&gt;.json)</translation>
    </message>
    <message>
      <source>The built-in arithmetic task the shipped models were trained on</source>
      <translation>同梱モデルの学習に使った組み込みの算術タスク</translation>
    </message>
    <message>
      <source>All levels</source>
      <translation>すべてのレベル</translation>
    </message>
    <message>
      <source>Level %1</source>
      <translation>レベル %1</translation>
    </message>
    <message>
      <source>Level ?</source>
      <translation>レベル ?</translation>
    </message>
    <message>
      <source>Find in problems, solutions and answers</source>
      <translation>問題・解答・答えを検索</translation>
    </message>
    <message>
      <source>%1: %2 of %3 problems</source>
      <translation>%1: %3 問中 %2 問</translation>
    </message>
    <message>
      <source>All subjects</source>
      <translation>すべての分野</translation>
    </message>
    <message>
      <source>Problem</source>
      <translation>問題</translation>
    </message>
    <message>
      <source>Reference solution</source>
      <translation>参照解答</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>答え</translation>
    </message>
  </context>
  <context>
    <name>lens::app::ExperimentsView</name>
    <message>
      <source>Job</source>
      <translation>ジョブ</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>種類</translation>
    </message>
    <message>
      <source>Progress</source>
      <translation>進捗</translation>
    </message>
    <message>
      <source>Rate</source>
      <translation>速度</translation>
    </message>
    <message>
      <source>ETA</source>
      <translation>残り時間</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状態</translation>
    </message>
    <message>
      <source>New…</source>
      <translation>新規…</translation>
    </message>
    <message>
      <source>Set up a sampling, search, oracle or router-training run</source>
      <translation>サンプリング・探索・オラクル・ルーター学習の実行を設定</translation>
    </message>
    <message>
      <source>Start from Spec…</source>
      <translation>仕様ファイルから開始…</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>キャンセル</translation>
    </message>
    <message>
      <source>%1 units/s</source>
      <translation>%1 単位/秒</translation>
    </message>
    <message>
      <source>run %1</source>
      <translation>実行 %1</translation>
    </message>
  </context>
  <context>
    <name>lens::app::JobDialog</name>
    <message>
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <source>Choose a folder</source>
      <translation>フォルダーを選択</translation>
    </message>
    <message>
      <source>Choose a problem file</source>
      <translation>問題ファイルを選択</translation>
    </message>
    <message>
      <source>MATH problems (*.jsonl);;All files (*)</source>
      <translation>MATH の問題 (*.jsonl);;すべてのファイル (*)</translation>
    </message>
    <message>
      <source>New Experiment</source>
      <translation>新しい実験</translation>
    </message>
    <message>
      <source>Sampling: best-of-N, majority and PRM-weighted</source>
      <translation>サンプリング: best-of-N、多数決、PRM 重み付き</translation>
    </message>
    <message>
      <source>Search: PRM-guided beam, lookahead, DVTS or revisions</source>
      <translation>探索: PRM 誘導ビーム、先読み、DVTS、逐次修正</translation>
    </message>
    <message>
      <source>Routing oracle: best routes per token under budgets</source>
      <translation>ルーティングオラクル: 予算内でトークンごとの最良ルート</translation>
    </message>
    <message>
      <source>Router training: learn routes from the model</source>
      <translation>ルーター学習: モデルからルートを学ぶ</translation>
    </message>
    <message>
      <source>a name for the run (optional)</source>
      <translation>実行の名前 (任意)</translation>
    </message>
    <message>
      <source>all</source>
      <translation>すべて</translation>
    </message>
    <message>
      <source>Experiment</source>
      <translation>実験</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名前</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>モデル</translation>
    </message>
    <message>
      <source>Problems</source>
      <translation>問題</translation>
    </message>
    <message>
      <source>How many</source>
      <translation>件数</translation>
    </message>
    <message>
      <source>Seed</source>
      <translation>シード</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>デバイス</translation>
    </message>
    <message>
      <source>Samples per problem (N)</source>
      <translation>問題あたりのサンプル数 (N)</translation>
    </message>
    <message>
      <source>Temperature</source>
      <translation>温度</translation>
    </message>
    <message>
      <source>Max new tokens</source>
      <translation>最大生成トークン数</translation>
    </message>
    <message>
      <source>Verifier (PRM; empty: none)</source>
      <translation>検証器 (PRM、空欄: なし)</translation>
    </message>
    <message>
      <source>none (every turn revises)</source>
      <translation>なし (毎回修正)</translation>
    </message>
    <message>
      <source>A chain stops revising at an attempt whose mean log-probability per token is at least this; its later turns repeat that attempt at no cost.</source>
      <translation>トークンあたりの平均対数確率がこの値以上の試行でチェーンは修正を止め、以降のターンはその試行を計算なしで繰り返します。</translation>
    </message>
    <message>
      <source>Strategy</source>
      <translation>戦略</translation>
    </message>
    <message>
      <source>Budget N (generations)</source>
      <translation>予算 N (生成数)</translation>
    </message>
    <message>
      <source>Beam width M</source>
      <translation>ビーム幅 M</translation>
    </message>
    <message>
      <source>Lookahead steps</source>
      <translation>先読みステップ数</translation>
    </message>
    <message>
      <source>Revision chain length</source>
      <translation>修正チェーンの長さ</translation>
    </message>
    <message>
      <source>Keep attempts above (mean log-prob)</source>
      <translation>この値以上の試行を保持 (平均対数確率)</translation>
    </message>
    <message>
      <source>Route (Duo models)</source>
      <translation>ルート (Duo モデル)</translation>
    </message>
    <message>
      <source>Verifier (PRM)</source>
      <translation>検証器 (PRM)</translation>
    </message>
    <message>
      <source>Budgets (k=… or flops=…)</source>
      <translation>予算 (k=… または flops=…)</translation>
    </message>
    <message>
      <source>Scope</source>
      <translation>範囲</translation>
    </message>
    <message>
      <source>Random routings per budget</source>
      <translation>予算ごとのランダムルーティング数</translation>
    </message>
    <message>
      <source>Save the router to</source>
      <translation>ルーターの保存先</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>モード</translation>
    </message>
    <message>
      <source>Compute penalty λ (penalty)</source>
      <translation>計算ペナルティ λ (penalty)</translation>
    </message>
    <message>
      <source>Oracle budget (imitate)</source>
      <translation>オラクルの予算 (imitate)</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>ステップ数</translation>
    </message>
    <message>
      <source>Queue</source>
      <translation>キューに追加</translation>
    </message>
  </context>
  <context>
    <name>lens::app::JobQueue</name>
    <message>
      <source>queued</source>
      <translation>待機中</translation>
    </message>
    <message>
      <source>running</source>
      <translation>実行中</translation>
    </message>
    <message>
      <source>done</source>
      <translation>完了</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>キャンセル済み</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>失敗</translation>
    </message>
    <message>
      <source>stopping…</source>
      <translation>停止中…</translation>
    </message>
  </context>
  <context>
    <name>lens::app::MainWindow</name>
    <message>
      <source>ComputeLens</source>
      <translation>ComputeLens</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>モデル</translation>
    </message>
    <message>
      <source>Curves</source>
      <translation>曲線</translation>
    </message>
    <message>
      <source>Routing</source>
      <translation>ルーティング</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>探索</translation>
    </message>
    <message>
      <source>Runs</source>
      <translation>実行</translation>
    </message>
    <message>
      <source>Experiments</source>
      <translation>実験</translation>
    </message>
    <message>
      <source>Data</source>
      <translation>データ</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Open Model Folder…</source>
      <translation>モデルフォルダーを開く(&amp;O)…</translation>
    </message>
    <message>
      <source>Open &amp;Results Database…</source>
      <translation>結果データベースを開く(&amp;R)…</translation>
    </message>
    <message>
      <source>&amp;Export Curves…</source>
      <translation>曲線をエクスポート(&amp;E)…</translation>
    </message>
    <message>
      <source>Open &amp;Built-in Model</source>
      <translation>組み込みモデルを開く(&amp;B)</translation>
    </message>
    <message>
      <source>Open &amp;Problems…</source>
      <translation>問題を開く(&amp;P)…</translation>
    </message>
    <message>
      <source>Open problems</source>
      <translation>問題を開く</translation>
    </message>
    <message>
      <source>MATH problems (*.jsonl);;All files (*)</source>
      <translation>MATH の問題 (*.jsonl);;すべてのファイル (*)</translation>
    </message>
    <message>
      <source>Export &amp;Report…</source>
      <translation>レポートをエクスポート(&amp;R)…</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>終了(&amp;Q)</translation>
    </message>
    <message>
      <source>E&amp;xperiments</source>
      <translation>実験(&amp;X)</translation>
    </message>
    <message>
      <source>&amp;New Experiment…</source>
      <translation>新しい実験(&amp;N)…</translation>
    </message>
    <message>
      <source>&amp;Start Job from Spec…</source>
      <translation>仕様ファイルからジョブを開始(&amp;S)…</translation>
    </message>
    <message>
      <source>&amp;Resume Selected Run</source>
      <translation>選択した実行を再開(&amp;R)</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>再開</translation>
    </message>
    <message>
      <source>Select a run first.</source>
      <translation>先に実行を選んでください。</translation>
    </message>
    <message>
      <source>resume run %1</source>
      <translation>実行 %1 の再開</translation>
    </message>
    <message>
      <source>&amp;Settings</source>
      <translation>設定(&amp;S)</translation>
    </message>
    <message>
      <source>&amp;Preferences…</source>
      <translation>環境設定(&amp;P)…</translation>
    </message>
    <message>
      <source>&amp;Language</source>
      <translation>言語(&amp;L)</translation>
    </message>
    <message>
      <source>System default</source>
      <translation>システムの既定</translation>
    </message>
    <message>
      <source>The language changes when ComputeLens starts again.</source>
      <translation>言語は ComputeLens の次回起動時に切り替わります。</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
      <source>Run the &amp;Demo</source>
      <translation>デモを実行(&amp;D)</translation>
    </message>
    <message>
      <source>&amp;About ComputeLens</source>
      <translation>ComputeLens について(&amp;A)</translation>
    </message>
    <message>
      <source>Loaded %1</source>
      <translation>%1 を読み込みました</translation>
    </message>
    <message>
      <source>Could not open %1</source>
      <translation>%1 を開けませんでした</translation>
    </message>
    <message>
      <source>Cannot open model</source>
      <translation>モデルを開けません</translation>
    </message>
    <message>
      <source>%1: %2 runs</source>
      <translation>%1: %2 件の実行</translation>
    </message>
    <message>
      <source>Cannot open database</source>
      <translation>データベースを開けません</translation>
    </message>
    <message>
      <source>compute-optimal</source>
      <translation>計算最適</translation>
    </message>
    <message>
      <source>larger model, pass@1 (run %1)</source>
      <translation>大きいモデル、pass@1 (実行 %1)</translation>
    </message>
    <message>
      <source>Compute-optimal: %1 strategies</source>
      <translation>計算最適: 戦略 %1 件</translation>
    </message>
    <message>
      <source>It assumes both models were pretrained on the same tokens; their training is not recorded, so that is not checked.</source>
      <translation>この分析は両モデルが同じトークンで事前学習されたと仮定します。学習の記録がないため、その点は確認していません。</translation>
    </message>
    <message>
      <source>Both models were pretrained on the same number of examples (%L1), as it assumes.</source>
      <translation>両モデルは同じ数の例 (%L1) で事前学習されており、仮定どおりです。</translation>
    </message>
    <message>
      <source>It assumes both models were pretrained on the same tokens; they read %L1 and %L2 training examples, so it compares them as trained.</source>
      <translation>この分析は両モデルが同じトークンで事前学習されたと仮定しますが、学習例は %L1 と %L2 で異なるため、学習されたままのモデルを比較しています。</translation>
    </message>
    <message>
      <source>Exchange (Snell et al. §7): run %1's model is %2× larger. At equal total FLOPs (pretraining 6·N·D, inference 2·N·D), the smaller model may spend per problem what the table shows, for R = inference tokens ÷ pretraining tokens.</source>
      <translation>交換 (Snell ら §7): 実行 %1 のモデルは %2 倍大きい。総 FLOPs が等しいとき (事前学習 6·N·D、推論 2·N·D)、小さいモデルは問題ごとに表の量を使える。R = 推論トークン数 ÷ 事前学習トークン数。</translation>
    </message>
    <message>
      <source>R</source>
      <translation>R</translation>
    </message>
    <message>
      <source>matched FLOPs per problem</source>
      <translation>問題あたりの対応 FLOPs</translation>
    </message>
    <message>
      <source>× one small sample</source>
      <translation>× 小モデル 1 サンプル</translation>
    </message>
    <message>
      <source>small: best N that fits</source>
      <translation>小: 収まる最良の N</translation>
    </message>
    <message>
      <source>small: accuracy</source>
      <translation>小: 正答率</translation>
    </message>
    <message>
      <source>large: pass@1</source>
      <translation>大: pass@1</translation>
    </message>
    <message>
      <source>small − large, paired 95 % interval</source>
      <translation>小 − 大（対応のある 95 % 区間）</translation>
    </message>
    <message>
      <source>Reading every route of run %1…</source>
      <translation>実行 %1 の全ルートを読み込んでいます…</translation>
    </message>
    <message>
      <source>Run %1: %2 tokens</source>
      <translation>実行 %1: %2 トークン</translation>
    </message>
    <message>
      <source>Open a MATH folder</source>
      <translation>MATH フォルダーを開く</translation>
    </message>
    <message>
      <source>%1: %2 problems</source>
      <translation>%1: %2 問</translation>
    </message>
    <message>
      <source>Cannot open problems</source>
      <translation>問題を開けません</translation>
    </message>
    <message>
      <source>Job %1: %2</source>
      <translation>ジョブ %1: %2</translation>
    </message>
    <message>
      <source>Run %1: %2</source>
      <translation>実行 %1: %2</translation>
    </message>
    <message>
      <source>Run %1: %2 graded problems</source>
      <translation>実行 %1: 採点済みの問題 %2 件</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>準備完了</translation>
    </message>
    <message>
      <source>Reading the search trees of run %1…</source>
      <translation>実行 %1 の探索木を読み込んでいます…</translation>
    </message>
    <message>
      <source>Reading the routing of run %1…</source>
      <translation>実行 %1 のルーティングを読み込んでいます…</translation>
    </message>
    <message>
      <source>Reading %1…</source>
      <translation>%1 を読み込んでいます…</translation>
    </message>
    <message>
      <source>Comparing %1 runs…</source>
      <translation>%1 件の実行を比較しています…</translation>
    </message>
    <message>
      <source>Computing the curves of run %1…</source>
      <translation>実行 %1 の曲線を計算しています…</translation>
    </message>
    <message>
      <source>Open a results database</source>
      <translation>結果データベースを開く</translation>
    </message>
    <message>
      <source>ComputeLens databases (*.db *.sqlite);;All files (*)</source>
      <translation>ComputeLens データベース (*.db *.sqlite);;すべてのファイル (*)</translation>
    </message>
    <message>
      <source>Export curves</source>
      <translation>曲線のエクスポート</translation>
    </message>
    <message>
      <source>Select a run with graded samples first.</source>
      <translation>先に採点済みサンプルのある実行を選んでください。</translation>
    </message>
    <message>
      <source>PNG image (*.png);;PDF (*.pdf);;SVG (*.svg);;CSV data (*.csv)</source>
      <translation>PNG 画像 (*.png);;PDF (*.pdf);;SVG (*.svg);;CSV データ (*.csv)</translation>
    </message>
    <message>
      <source>Could not write %1</source>
      <translation>%1 に書き込めませんでした</translation>
    </message>
    <message>
      <source>Start a job</source>
      <translation>ジョブを開始</translation>
    </message>
    <message>
      <source>Job specs (*.json);;All files (*)</source>
      <translation>ジョブ仕様 (*.json);;すべてのファイル (*)</translation>
    </message>
    <message>
      <source>Cannot start the job</source>
      <translation>ジョブを開始できません</translation>
    </message>
    <message>
      <source>Run the demo</source>
      <translation>デモの実行</translation>
    </message>
    <message>
      <source>The built-in models were not found. Set LENS_RESOURCES to the folder that holds models/arith-duo-small.</source>
      <translation>組み込みモデルが見つかりません。models/arith-duo-small を含むフォルダーを LENS_RESOURCES に設定してください。</translation>
    </message>
    <message>
      <source>Running the demo: %1 jobs (see Experiments)</source>
      <translation>デモを実行中: ジョブ %1 件 (実験を参照)</translation>
    </message>
    <message>
      <source>The demo has finished: run %1's accuracy against FLOPs is in Curves, run %2's token difficulty in Routing</source>
      <translation>デモが完了しました: 実行 %1 の精度対 FLOPs は「曲線」に、実行 %2 のトークン難易度は「ルーティング」にあります</translation>
    </message>
    <message>
      <source>Welcome to ComputeLens</source>
      <translation>ComputeLens へようこそ</translation>
    </message>
    <message>
      <source>Run the demo now? The built-in models solve the built-in task: sampling scored by a process reward model, a routing oracle and a beam search. It takes about a minute on two CPU cores; then the accuracy-vs-FLOPs curves and the routing oracle's token difficulty open by themselves. (Help → Run the Demo runs it again.)</source>
      <translation>今すぐデモを実行しますか? 組み込みモデルが組み込みタスクを解きます: プロセス報酬モデルで採点するサンプリング、ルーティングオラクル、ビーム探索。2 コアの CPU で約 1 分かかり、終わると精度対 FLOPs の曲線とルーティングオラクルのトークン難易度が自動で開きます。(ヘルプ → デモを実行 でもう一度実行できます。)</translation>
    </message>
    <message>
      <source>Export report</source>
      <translation>レポートのエクスポート</translation>
    </message>
    <message>
      <source>HTML (*.html);;PDF (*.pdf)</source>
      <translation>HTML (*.html);;PDF (*.pdf)</translation>
    </message>
    <message>
      <source>Wrote %1</source>
      <translation>%1 を書き出しました</translation>
    </message>
    <message>
      <source>Open a Hugging Face model folder</source>
      <translation>Hugging Face のモデルフォルダーを開く</translation>
    </message>
    <message>
      <source>&lt;h3&gt;ComputeLens %1&lt;/h3&gt;&lt;p&gt;Where a language model's compute goes, and where more of it would pay.&lt;/p&gt;&lt;p&gt;Licensed under the GNU General Public License, version 3 or later. Uses Qt %2, libtorch %3 and QCustomPlot (GPL).&lt;/p&gt;</source>
      <translation>&lt;h3&gt;ComputeLens %1&lt;/h3&gt;&lt;p&gt;言語モデルの計算がどこに使われ、どこで計算を増やせば報われるかを示します。&lt;/p&gt;&lt;p&gt;GNU 一般公衆利用許諾書 バージョン 3 以降の下で提供されます。Qt %2、libtorch %3、QCustomPlot (GPL) を使用しています。&lt;/p&gt;</translation>
    </message>
    <message>
      <source>&lt;p&gt;Built on these components, under their licences:&lt;/p&gt;</source>
      <translation>&lt;p&gt;以下のコンポーネントを、それぞれのライセンスの下で使用しています:&lt;/p&gt;</translation>
    </message>
    <message>
      <source>&lt;p&gt;The built-in models in resources/models were trained by ComputeLens and are distributed under the same licence.&lt;/p&gt;</source>
      <translation>&lt;p&gt;resources/models の組み込みモデルは ComputeLens が学習したもので、同じライセンスで配布されます。&lt;/p&gt;</translation>
    </message>
    <message>
      <source>About ComputeLens</source>
      <translation>ComputeLens について</translation>
    </message>
  </context>
  <context>
    <name>lens::views::ModelSummaryView</name>
    <message>
      <source>No model loaded. Use File → Open Model Folder…</source>
      <translation>モデルが読み込まれていません。ファイル → モデルフォルダーを開く… を使ってください。</translation>
    </message>
    <message>
      <source>Architecture</source>
      <translation>アーキテクチャ</translation>
    </message>
    <message>
      <source>Parameters</source>
      <translation>パラメーター数</translation>
    </message>
    <message>
      <source>%1 (%2 on disk)</source>
      <translation>%1 (ディスク上 %2)</translation>
    </message>
    <message>
      <source>Layers</source>
      <translation>層</translation>
    </message>
    <message>
      <source>Hidden size</source>
      <translation>隠れ次元</translation>
    </message>
    <message>
      <source>MLP size</source>
      <translation>MLP の次元</translation>
    </message>
    <message>
      <source>%1 (Duo: also a small FFN of %2 per layer)</source>
      <translation>%1 (Duo: 各層に %2 の小さな FFN も持つ)</translation>
    </message>
    <message>
      <source>Attention</source>
      <translation>アテンション</translation>
    </message>
    <message>
      <source>%1 heads, %2 KV heads, head dim %3</source>
      <translation>ヘッド %1、KV ヘッド %2、ヘッド次元 %3</translation>
    </message>
    <message>
      <source>RoPE</source>
      <translation>RoPE</translation>
    </message>
    <message>
      <source>theta %1 (%2)</source>
      <translation>theta %1 (%2)</translation>
    </message>
    <message>
      <source>Vocabulary</source>
      <translation>語彙</translation>
    </message>
    <message>
      <source>%1 (tied embeddings)</source>
      <translation>%1 (埋め込みを共有)</translation>
    </message>
    <message>
      <source>Tokenizer</source>
      <translation>トークナイザー</translation>
    </message>
    <message>
      <source>none</source>
      <translation>なし</translation>
    </message>
    <message>
      <source>%1, %2 tokens</source>
      <translation>%1、%2 トークン</translation>
    </message>
    <message>
      <source>Weight files</source>
      <translation>重みファイル</translation>
    </message>
    <message>
      <source>Runs on</source>
      <translation>実行先</translation>
    </message>
  </context>
  <context>
    <name>lens::views::ProblemTableModel</name>
    <message>
      <source>id</source>
      <translation>ID</translation>
    </message>
    <message>
      <source>subject</source>
      <translation>分野</translation>
    </message>
    <message>
      <source>level</source>
      <translation>レベル</translation>
    </message>
    <message>
      <source>problem</source>
      <translation>問題</translation>
    </message>
    <message>
      <source>answer</source>
      <translation>答え</translation>
    </message>
  </context>
  <context>
    <name>QObject</name>
    <message>
      <source>Run %1, sequence %2 of %3</source>
      <translation>実行 %1、系列 %2 / %3</translation>
    </message>
    <message>
      <source>router %1</source>
      <translation>ルーター %1</translation>
    </message>
    <message>
      <source>revise, N=%1, chains of %2</source>
      <translation>逐次修正、N=%1、連鎖長 %2</translation>
    </message>
    <message>
      <source>%1, N=%2, M=%3</source>
      <translation>%1、N=%2、M=%3</translation>
    </message>
    <message>
      <source>Run %1 (%2), problem %3 of %4: %5</source>
      <translation>実行 %1 (%2)、問題 %3 / %4: %5</translation>
    </message>
    <message>
      <source>Run %1</source>
      <translation>実行 %1</translation>
    </message>
    <message>
      <source>, kept above a mean log-prob of %1</source>
      <translation>、平均対数確率 %1 以上で保持</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RoutingView</name>
    <message>
      <source>skip</source>
      <translation>スキップ</translation>
    </message>
    <message>
      <source>small</source>
      <translation>小</translation>
    </message>
    <message>
      <source>big</source>
      <translation>大</translation>
    </message>
    <message>
      <source>Routes:</source>
      <translation>経路:</translation>
    </message>
    <message>
      <source>Sequence:</source>
      <translation>系列:</translation>
    </message>
    <message>
      <source>token (scored position)</source>
      <translation>トークン (評価位置)</translation>
    </message>
    <message>
      <source>FLOPs per token (fraction of all big)</source>
      <translation>トークンあたり FLOPs (すべて大の場合に対する割合)</translation>
    </message>
    <message>
      <source>perplexity</source>
      <translation>パープレキシティ</translation>
    </message>
    <message>
      <source>layer</source>
      <translation>層</translation>
    </message>
    <message>
      <source>share of tokens</source>
      <translation>トークンの割合</translation>
    </message>
    <message>
      <source>sequence</source>
      <translation>系列</translation>
    </message>
    <message>
      <source>position</source>
      <translation>位置</translation>
    </message>
    <message>
      <source>token</source>
      <translation>トークン</translation>
    </message>
    <message>
      <source>next</source>
      <translation>次</translation>
    </message>
    <message>
      <source>gain</source>
      <translation>利得</translation>
    </message>
    <message>
      <source>loss all-skip</source>
      <translation>損失 all-skip</translation>
    </message>
    <message>
      <source>loss all-big</source>
      <translation>損失 all-big</translation>
    </message>
    <message>
      <source>oracle route</source>
      <translation>オラクルのルート</translation>
    </message>
    <message>
      <source>Double-click a token to open it in its sequence.</source>
      <translation>トークンをダブルクリックすると系列の中で開きます。</translation>
    </message>
    <message>
      <source>Perplexity vs compute</source>
      <translation>パープレキシティと計算量</translation>
    </message>
    <message>
      <source>Layer usage</source>
      <translation>層の使用</translation>
    </message>
    <message>
      <source>Hardest tokens</source>
      <translation>最も難しいトークン</translation>
    </message>
    <message>
      <source>Whole run</source>
      <translation>実行全体</translation>
    </message>
    <message>
      <source>Select an oracle run.</source>
      <translation>オラクルの実行を選んでください。</translation>
    </message>
    <message>
      <source>%1 — %2 scored tokens; largest gain %3 nats at %4</source>
      <translation>%1 — 評価トークン %2 個、最大の利得は %4 での %3 nat</translation>
    </message>
    <message>
      <source>“%1” after “%2” (position %3)
</source>
      <translation>「%2」の後の「%1」(位置 %3)
</translation>
    </message>
    <message>
      <source>loss: all-skip %1, all-small %2, all-big %3
</source>
      <translation>損失: すべてスキップ %1、すべて小 %2、すべて大 %3
</translation>
    </message>
    <message>
      <source>oracle %1</source>
      <translation>オラクル %1</translation>
    </message>
    <message>
      <source>%1: %2 via %3, gain %4
</source>
      <translation>%1: %3 経由で %2、利得 %4
</translation>
    </message>
    <message>
      <source>layer %1: %2 (%3)
</source>
      <translation>層 %1: %2 (%3)
</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RunHeatmapView</name>
    <message>
      <source>Select an oracle run.</source>
      <translation>オラクルの実行を選んでください。</translation>
    </message>
    <message>
      <source>scored token of the run</source>
      <translation>実行内の採点対象トークン</translation>
    </message>
    <message>
      <source>token</source>
      <translation>トークン</translation>
    </message>
    <message>
      <source>occurrences</source>
      <translation>出現回数</translation>
    </message>
    <message>
      <source>big / token</source>
      <translation>big / トークン</translation>
    </message>
    <message>
      <source>small / token</source>
      <translation>small / トークン</translation>
    </message>
    <message>
      <source>mean gain</source>
      <translation>平均利得</translation>
    </message>
    <message>
      <source>%1, %2: %3 tokens in %4 sequences × %5 layers; big %6 %, small %7 %, skip %8 % of the cells. Drag to pan, wheel to zoom, double-click a token to open it.</source>
      <translation>%1、%2: %4 系列の %3 トークン × %5 層。セルの big %6 %、small %7 %、skip %8 %。ドラッグで移動、ホイールで拡大縮小、ダブルクリックでトークンを開く。</translation>
    </message>
    <message>
      <source>skip</source>
      <translation>スキップ</translation>
    </message>
    <message>
      <source>small</source>
      <translation>小</translation>
    </message>
    <message>
      <source>big</source>
      <translation>大</translation>
    </message>
    <message>
      <source>sequence %1, position %2: “%3”
layer %4: %5 (%6)
gain %7 nats</source>
      <translation>系列 %1、位置 %2: “%3”
層 %4: %5 (%6)
利得 %7 nats</translation>
    </message>
    <message>
      <source>
(this pixel mixes %1 tokens)</source>
      <translation>
(このピクセルは %1 トークンの混合)</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RunsView</name>
    <message>
      <source>Id</source>
      <translation>ID</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>種類</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名前</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状態</translation>
    </message>
    <message>
      <source>Units</source>
      <translation>単位</translation>
    </message>
    <message>
      <source>Updated</source>
      <translation>更新</translation>
    </message>
  </context>
  <context>
    <name>lens::views::SearchView</name>
    <message>
      <source>Problem </source>
      <translation>問題 </translation>
    </message>
    <message>
      <source>Step</source>
      <translation>ステップ</translation>
    </message>
    <message>
      <source>Score</source>
      <translation>スコア</translation>
    </message>
    <message>
      <source>Tokens</source>
      <translation>トークン</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>答え</translation>
    </message>
    <message>
      <source>Right</source>
      <translation>正誤</translation>
    </message>
    <message>
      <source>Solution</source>
      <translation>解答</translation>
    </message>
    <message>
      <source>Select a search run to inspect its trees.</source>
      <translation>探索木を見るには探索の実行を選んでください。</translation>
    </message>
    <message>
      <source>Problem: %1</source>
      <translation>問題: %1</translation>
    </message>
    <message>
      <source>Reference answer: %1</source>
      <translation>正答: %1</translation>
    </message>
    <message>
      <source>The returned answer is right.</source>
      <translation>返された答えは正解です。</translation>
    </message>
    <message>
      <source>The returned answer is wrong.</source>
      <translation>返された答えは不正解です。</translation>
    </message>
    <message>
      <source>(kept) %1</source>
      <translation>(保持) %1</translation>
    </message>
    <message>
      <source>(none)</source>
      <translation>(なし)</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>はい</translation>
    </message>
    <message>
      <source>no</source>
      <translation>いいえ</translation>
    </message>
    <message>
      <source>Attempt %1%2:
%3</source>
      <translation>試行 %1%2:
%3</translation>
    </message>
  </context>
  <context>
    <name>lens::app::SettingsDialog</name>
    <message>
      <source>Preferences</source>
      <translation>環境設定</translation>
    </message>
    <message>
      <source>Automatic (CUDA when present)</source>
      <translation>自動 (CUDA があれば使用)</translation>
    </message>
    <message>
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <source>CUDA GPU</source>
      <translation>CUDA GPU</translation>
    </message>
    <message>
      <source>all cores (%1)</source>
      <translation>全コア (%1)</translation>
    </message>
    <message>
      <source>the command-line tool's default database</source>
      <translation>コマンドラインツールの既定のデータベース</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <source>Results database</source>
      <translation>結果データベース</translation>
    </message>
    <message>
      <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
      <translation>SQLite データベース (*.db *.sqlite);;すべてのファイル (*)</translation>
    </message>
    <message>
      <source>Device for jobs</source>
      <translation>ジョブのデバイス</translation>
    </message>
    <message>
      <source>CPU threads per job</source>
      <translation>ジョブあたりの CPU スレッド数</translation>
    </message>
  </context>
  <context>
    <name>lens::views::TradeoffView</name>
    <message>
      <source>inference FLOPs per problem</source>
      <translation>問題あたりの推論 FLOPs</translation>
    </message>
    <message>
      <source>accuracy</source>
      <translation>正答率</translation>
    </message>
    <message>
      <source>%1
N = %2 samples
%3 FLOPs per problem
accuracy %4 %</source>
      <translation>%1
N = %2 サンプル
問題あたり %3 FLOPs
正答率 %4 %</translation>
    </message>
    <message>
      <source> (95 % interval %1–%2)</source>
      <translation> (95 % 区間 %1–%2)</translation>
    </message>
  </context>
  <context>
    <name>lens::views::PlotExport</name>
    <message>
      <source>Export…</source>
      <translation>エクスポート…</translation>
    </message>
    <message>
      <source>PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)</source>
      <translation>PNG 画像 (*.png);;PDF (*.pdf);;SVG (*.svg)</translation>
    </message>
    <message>
      <source>;;CSV data (*.csv)</source>
      <translation>;;CSV データ (*.csv)</translation>
    </message>
    <message>
      <source>Export plot</source>
      <translation>プロットのエクスポート</translation>
    </message>
    <message>
      <source>Could not write %1 (use .png, .pdf, .svg%2).</source>
      <translation>%1 を書き込めませんでした (.png、.pdf、.svg%2 を使ってください)。</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RoutingView</name>
    <message>
      <source>layer</source>
      <translation>層</translation>
    </message>
  </context>
  <context>
    <name>main</name>
    <message>
      <source>ComputeLens workbench</source>
      <translation>ComputeLens ワークベンチ</translation>
    </message>
    <message>
      <source>a model folder to open</source>
      <translation>開くモデルフォルダー</translation>
    </message>
    <message>
      <source>the results database to open</source>
      <translation>開く結果データベース</translation>
    </message>
    <message>
      <source>a run of the database to show</source>
      <translation>表示するデータベース内の実行</translation>
    </message>
    <message>
      <source>quit as soon as the window is shown</source>
      <translation>ウィンドウが表示されたらすぐに終了する</translation>
    </message>
    <message>
      <source>runs to compare (comma-separated ids)</source>
      <translation>比較する実行 (カンマ区切りの ID)</translation>
    </message>
    <message>
      <source>a dock or panel to bring to the front: runs, data, experiments, perplexity, usage, hardest, whole-run</source>
      <translation>前面に出すドックまたはパネル: runs, data, experiments, perplexity, usage, hardest, whole-run</translation>
    </message>
    <message>
      <source>a job spec to queue (may be repeated)</source>
      <translation>キューに入れるジョブ仕様 (繰り返し可)</translation>
    </message>
    <message>
      <source>run the demo (the built-in models on the built-in task) at start</source>
      <translation>起動時にデモ (組み込みタスクでの組み込みモデル) を実行する</translation>
    </message>
    <message>
      <source>quit once every queued job has finished (exit status 1 if one failed)</source>
      <translation>キューのジョブがすべて終わったら終了する (失敗があれば終了コード 1)</translation>
    </message>
  </context>
</TS>