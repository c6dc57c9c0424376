#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Fills translations/computelens_{ja,vi}.ts from the table below after `lupdate` has collected the
# source strings (scripts/translations.sh runs both), and gives each context the class name Qt
# looks up at run time (lupdate does not resolve C++17 nested namespaces such as lens::views).
# A string without a translation here fails the script, so the .ts files stay complete.
import sys
import xml.etree.ElementTree as ET

CONTEXTS = {"MainWindow": "lens::app::MainWindow", "ExperimentsView": "lens::app::ExperimentsView", "JobQueue": "lens::app::JobQueue",
            "ModelSummaryView": "lens::views::ModelSummaryView",
            "RoutingView": "lens::views::RoutingView", "RunsView": "lens::views::RunsView",
            "SearchView": "lens::views::SearchView", "TradeoffView": "lens::views::TradeoffView"}

T = {
    "ComputeLens": ("ComputeLens", "ComputeLens"),
    "Model": ("モデル", "Mô hình"),
    "Curves": ("曲線", "Đường cong"),
    "Routing": ("ルーティング", "Định tuyến"),
    "Search": ("探索", "Tìm kiếm"),
    "Runs": ("実行", "Lượt chạy"),
    "&File": ("ファイル(&F)", "&Tệp"),
    "&Open Model Folder…": ("モデルフォルダーを開く(&O)…", "&Mở thư mục mô hình…"),
    "Open &Results Database…": ("結果データベースを開く(&R)…", "Mở cơ sở dữ liệu &kết quả…"),
    "&Export Curves…": ("曲線をエクスポート(&E)…", "&Xuất đường cong…"),
    "&Quit": ("終了(&Q)", "T&hoát"),
    "&Settings": ("設定(&S)", "&Cài đặt"),
    "&Language": ("言語(&L)", "&Ngôn ngữ"),
    "System default": ("システムの既定", "Mặc định của hệ thống"),
    "The language changes when ComputeLens starts again.": ("言語は ComputeLens の次回起動時に切り替わります。",
                                                            "Ngôn ngữ sẽ đổi khi ComputeLens khởi động lại."),
    "&Help": ("ヘルプ(&H)", "Trợ &giúp"),
    "&About ComputeLens": ("ComputeLens について(&A)", "&Giới thiệu ComputeLens"),
    "Loaded %1": ("%1 を読み込みました", "Đã tải %1"),
    "Could not open %1": ("%1 を開けませんでした", "Không mở được %1"),
    "Cannot open model": ("モデルを開けません", "Không mở được mô hình"),
    "%1: %2 runs": ("%1: %2 件の実行", "%1: %2 lượt chạy"),
    "Cannot open database": ("データベースを開けません", "Không mở được cơ sở dữ liệu"),
    "Run %1: %2": ("実行 %1: %2", "Lượt chạy %1: %2"),
    "Run %1: %2 graded problems": ("実行 %1: 採点済みの問題 %2 件", "Lượt chạy %1: %2 bài đã chấm"),
    "Ready": ("準備完了", "Sẵn sàng"),
    "Reading the search trees of run %1…": ("実行 %1 の探索木を読み込んでいます…", "Đang đọc cây tìm kiếm của lượt chạy %1…"),
    "Reading the routing of run %1…": ("実行 %1 のルーティングを読み込んでいます…", "Đang đọc định tuyến của lượt chạy %1…"),
    "Reading %1…": ("%1 を読み込んでいます…", "Đang đọc %1…"),
    "Computing the curves of run %1…": ("実行 %1 の曲線を計算しています…", "Đang tính đường cong của lượt chạy %1…"),
    "Open a results database": ("結果データベースを開く", "Mở cơ sở dữ liệu kết quả"),
    "ComputeLens databases (*.db *.sqlite);;All files (*)": ("ComputeLens データベース (*.db *.sqlite);;すべてのファイル (*)",
                                                             "Cơ sở dữ liệu ComputeLens (*.db *.sqlite);;Mọi tệp (*)"),
    "Export curves": ("曲線のエクスポート", "Xuất đường cong"),
    "Select a run with graded samples first.": ("先に採点済みサンプルのある実行を選んでください。",
                                                "Hãy chọn trước một lượt chạy có mẫu đã chấm."),
    "PNG image (*.png);;PDF (*.pdf);;SVG (*.svg);;CSV data (*.csv)": ("PNG 画像 (*.png);;PDF (*.pdf);;SVG (*.svg);;CSV データ (*.csv)",
                                                                      "Ảnh PNG (*.png);;PDF (*.pdf);;SVG (*.svg);;Dữ liệu CSV (*.csv)"),
    "Could not write %1": ("%1 に書き込めませんでした", "Không ghi được %1"),
    "Open a Hugging Face model folder": ("Hugging Face のモデルフォルダーを開く", "Mở thư mục mô hình Hugging Face"),
    "About ComputeLens": ("ComputeLens について", "Giới thiệu ComputeLens"),
    "<h3>ComputeLens %1</h3><p>Where a language model's compute goes, and where more of it would pay.</p><p>Licensed under the GNU General Public License, version 3 or later. Uses Qt %2, libtorch %3 and QCustomPlot (GPL).</p>":
        ("<h3>ComputeLens %1</h3><p>言語モデルの計算がどこに使われ、どこで計算を増やせば報われるかを示します。</p>"
         "<p>GNU 一般公衆利用許諾書 バージョン 3 以降の下で提供されます。Qt %2、libtorch %3、QCustomPlot (GPL) を使用しています。</p>",
         "<h3>ComputeLens %1</h3><p>Sức tính toán của mô hình ngôn ngữ đi về đâu, và thêm vào đâu thì đáng.</p>"
         "<p>Phát hành theo Giấy phép Công cộng GNU, phiên bản 3 hoặc mới hơn. Dùng Qt %2, libtorch %3 và QCustomPlot (GPL).</p>"),
    "No model loaded. Use File → Open Model Folder…": ("モデルが読み込まれていません。ファイル → モデルフォルダーを開く… を使ってください。",
                                                       "Chưa tải mô hình nào. Dùng Tệp → Mở thư mục mô hình…"),
    "Architecture": ("アーキテクチャ", "Kiến trúc"),
    "Parameters": ("パラメーター数", "Số tham số"),
    "%1 (%2 on disk)": ("%1 (ディスク上 %2)", "%1 (%2 trên đĩa)"),
    "Layers": ("層", "Số lớp"),
    "Hidden size": ("隠れ次元", "Kích thước ẩn"),
    "MLP size": ("MLP の次元", "Kích thước MLP"),
    "%1 (Duo: also a small FFN of %2 per layer)": ("%1 (Duo: 各層に %2 の小さな FFN も持つ)", "%1 (Duo: mỗi lớp còn có FFN nhỏ cỡ %2)"),
    "Attention": ("アテンション", "Attention"),
    "%1 heads, %2 KV heads, head dim %3": ("ヘッド %1、KV ヘッド %2、ヘッド次元 %3", "%1 đầu, %2 đầu KV, chiều mỗi đầu %3"),
    "RoPE": ("RoPE", "RoPE"),
    "theta %1 (%2)": ("theta %1 (%2)", "theta %1 (%2)"),
    "Vocabulary": ("語彙", "Từ vựng"),
    "%1 (tied embeddings)": ("%1 (埋め込みを共有)", "%1 (dùng chung embedding)"),
    "Tokenizer": ("トークナイザー", "Bộ tách token"),
    "none": ("なし", "không có"),
    "%1, %2 tokens": ("%1、%2 トークン", "%1, %2 token"),
    "Weight files": ("重みファイル", "Tệp trọng số"),
    "Run %1, sequence %2 of %3": ("実行 %1、系列 %2 / %3", "Lượt chạy %1, chuỗi %2 / %3"),
    "router %1": ("ルーター %1", "bộ định tuyến %1"),
    "revise, N=%1, chains of %2": ("逐次修正、N=%1、連鎖長 %2", "sửa lần lượt, N=%1, chuỗi dài %2"),
    "%1, N=%2, M=%3": ("%1、N=%2、M=%3", "%1, N=%2, M=%3"),
    "Run %1 (%2), problem %3 of %4: %5": ("実行 %1 (%2)、問題 %3 / %4: %5", "Lượt chạy %1 (%2), bài %3 / %4: %5"),
    "Routes:": ("経路:", "Tuyến:"),
    "Sequence:": ("系列:", "Chuỗi:"),
    "token (scored position)": ("トークン (評価位置)", "token (vị trí được chấm)"),
    "layer": ("層", "lớp"),
    "FLOPs per token (fraction of all big)": ("トークンあたり FLOPs (すべて大の場合に対する割合)", "FLOPs mỗi token (tỉ lệ so với toàn bộ lớn)"),
    "perplexity": ("パープレキシティ", "độ bối rối (perplexity)"),
    "Select an oracle run.": ("オラクルの実行を選んでください。", "Hãy chọn một lượt chạy oracle."),
    "%1 — %2 scored tokens; largest gain %3 nats at %4": ("%1 — 評価トークン %2 個、最大の利得は %4 での %3 nat",
                                                           "%1 — %2 token được chấm; lợi ích lớn nhất %3 nat tại %4"),
    "“%1” after “%2” (position %3)\n": ("「%2」の後の「%1」(位置 %3)\n", "“%1” sau “%2” (vị trí %3)\n"),
    "loss: all-skip %1, all-small %2, all-big %3\n": ("損失: すべてスキップ %1、すべて小 %2、すべて大 %3\n",
                                                     "mất mát: bỏ qua hết %1, nhỏ hết %2, lớn hết %3\n"),
    "oracle %1": ("オラクル %1", "oracle %1"),
    "%1: %2 via %3, gain %4\n": ("%1: %3 経由で %2、利得 %4\n", "%1: %2 qua %3, lợi ích %4\n"),
    "skip": ("スキップ", "bỏ qua"),
    "small": ("小", "nhỏ"),
    "big": ("大", "lớn"),
    "layer %1: %2 (%3)\n": ("層 %1: %2 (%3)\n", "lớp %1: %2 (%3)\n"),
    "Id": ("ID", "Mã"),
    "Kind": ("種類", "Loại"),
    "Name": ("名前", "Tên"),
    "Status": ("状態", "Trạng thái"),
    "Units": ("単位", "Đơn vị"),
    "Updated": ("更新", "Cập nhật"),
    "Problem ": ("問題 ", "Bài "),
    "Step": ("ステップ", "Bước"),
    "Score": ("スコア", "Điểm"),
    "Tokens": ("トークン", "Token"),
    "Answer": ("答え", "Đáp án"),
    "Right": ("正誤", "Đúng"),
    "Solution": ("解答", "Lời giải"),
    "Select a search run to inspect its trees.": ("探索木を見るには探索の実行を選んでください。", "Hãy chọn một lượt chạy tìm kiếm để xem cây của nó."),
    "Problem: %1": ("問題: %1", "Bài toán: %1"),
    "Reference answer: %1": ("正答: %1", "Đáp án chuẩn: %1"),
    "The returned answer is right.": ("返された答えは正解です。", "Đáp án trả về là đúng."),
    "The returned answer is wrong.": ("返された答えは不正解です。", "Đáp án trả về là sai."),
    "(none)": ("(なし)", "(không có)"),
    "yes": ("はい", "có"),
    "no": ("いいえ", "không"),
    "Attempt %1%2:\n%3": ("試行 %1%2:\n%3", "Lần thử %1%2:\n%3"),
    "inference FLOPs per problem": ("問題あたりの推論 FLOPs", "FLOPs suy luận mỗi bài"),
    "accuracy": ("正答率", "độ chính xác"),
    "%1\nN = %2 samples\n%3 FLOPs per problem\naccuracy %4 %": ("%1\nN = %2 サンプル\n問題あたり %3 FLOPs\n正答率 %4 %",
                                                               "%1\nN = %2 mẫu\n%3 FLOPs mỗi bài\nđộ chính xác %4 %"),
    "Job": ("ジョブ", "Tác vụ"),
    "Progress": ("進捗", "Tiến độ"),
    "Rate": ("速度", "Tốc độ"),
    "ETA": ("残り時間", "Còn lại"),
    "State": ("状態", "Trạng thái"),
    "Start from Spec…": ("仕様ファイルから開始…", "Bắt đầu từ tệp đặc tả…"),
    "Cancel": ("キャンセル", "Hủy"),
    "%1 units/s": ("%1 単位/秒", "%1 đơn vị/giây"),
    "run %1": ("実行 %1", "lượt chạy %1"),
    "queued": ("待機中", "đang chờ"),
    "running": ("実行中", "đang chạy"),
    "done": ("完了", "xong"),
    "cancelled": ("キャンセル済み", "đã hủy"),
    "failed": ("失敗", "thất bại"),
    "stopping…": ("停止中…", "đang dừng…"),
    "Experiments": ("実験", "Thí nghiệm"),
    "&Start Job from Spec…": ("仕様ファイルからジョブを開始(&S)…", "&Bắt đầu tác vụ từ tệp đặc tả…"),
    "Job %1: %2": ("ジョブ %1: %2", "Tác vụ %1: %2"),
    "Start a job": ("ジョブを開始", "Bắt đầu một tác vụ"),
    "Job specs (*.json);;All files (*)": ("ジョブ仕様 (*.json);;すべてのファイル (*)", "Đặc tả tác vụ (*.json);;Mọi tệp (*)"),
    "Cannot start the job": ("ジョブを開始できません", "Không bắt đầu được tác vụ"),
    "Export &Report…": ("レポートをエクスポート(&R)…", "Xuất &báo cáo…"),
    "Export report": ("レポートのエクスポート", "Xuất báo cáo"),
    "Select a run first.": ("先に実行を選んでください。", "Hãy chọn một lượt chạy trước."),
    "HTML (*.html);;PDF (*.pdf)": ("HTML (*.html);;PDF (*.pdf)", "HTML (*.html);;PDF (*.pdf)"),
    "Wrote %1": ("%1 を書き出しました", "Đã ghi %1"),
    "Run the &Demo": ("デモを実行(&D)", "Chạy bản &demo"),
    "Run the demo": ("デモの実行", "Chạy bản demo"),
    "The built-in models were not found. Set LENS_RESOURCES to the folder that holds models/arith-duo-small.":
        ("組み込みモデルが見つかりません。models/arith-duo-small を含むフォルダーを LENS_RESOURCES に設定してください。",
         "Không tìm thấy các mô hình có sẵn. Hãy đặt LENS_RESOURCES là thư mục chứa models/arith-duo-small."),
    "Running the demo: %1 jobs (see Experiments)": ("デモを実行中: ジョブ %1 件 (実験を参照)", "Đang chạy demo: %1 tác vụ (xem Thí nghiệm)"),
    "<p>Built on these components, under their licences:</p>": ("<p>以下のコンポーネントを、それぞれのライセンスの下で使用しています:</p>",
                                                               "<p>Xây dựng trên các thành phần sau, theo giấy phép của từng thành phần:</p>"),
    "<p>The built-in models in resources/models were trained by ComputeLens and are distributed under the same licence.</p>":
        ("<p>resources/models の組み込みモデルは ComputeLens が学習したもので、同じライセンスで配布されます。</p>",
         "<p>Các mô hình có sẵn trong resources/models do ComputeLens huấn luyện và được phân phối theo cùng giấy phép.</p>"),
    "compute-optimal": ("計算最適", "tối ưu tính toán"),
    "Compute-optimal: %1 strategies": ("計算最適: 戦略 %1 件", "Tối ưu tính toán: %1 chiến lược"),
    "Comparing %1 runs…": ("%1 件の実行を比較しています…", "Đang so sánh %1 lượt chạy…"),
    "ComputeLens workbench": ("ComputeLens ワークベンチ", "Bàn làm việc ComputeLens"),
    "a model folder to open": ("開くモデルフォルダー", "thư mục mô hình cần mở"),
    "the results database to open": ("開く結果データベース", "cơ sở dữ liệu kết quả cần mở"),
    "a run of the database to show": ("表示するデータベース内の実行", "lượt chạy trong cơ sở dữ liệu cần hiển thị"),
}

def fill(path, col, lang):
    tree = ET.parse(path)
    root = tree.getroot()
    root.set("language", lang)
    missing = []
    for ctx in root.findall("context"):
        name = ctx.find("name")
        name.text = CONTEXTS.get(name.text, name.text)
        for m in ctx.findall("message"):
            src = m.find("source").text
            tr = m.find("translation")
            if src not in T:
                missing.append(src)
                continue
            tr.text = T[src][col]
            tr.attrib.pop("type", None)
    if missing:
        sys.exit(f"{path}: no translation for {missing}")
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)

fill("translations/computelens_ja.ts", 0, "ja_JP")
fill("translations/computelens_vi.ts", 1, "vi_VN")
