<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="vi_VN">
  <context>
    <name>lens::views::DataView</name>
    <message>
      <source>No problems loaded.</source>
      <translation>Chưa tải bài toán nào.</translation>
    </message>
    <message>
      <source>File…</source>
      <translation>Tệp…</translation>
    </message>
    <message>
      <source>Folder…</source>
      <translation>Thư mục…</translation>
    </message>
    <message>
      <source>Built-in task</source>
      <translation>Tác vụ có sẵn</translation>
    </message>
    <message>
      <source>Open a MATH JSONL file (PRM800K fields: problem, solution, answer, subject, level)</source>
      <translation>Mở tệp JSONL của MATH (các trường PRM800K: problem, solution, answer, subject, level)</translation>
    </message>
    <message>
      <source>Open a MATH folder tree (&lt;split&gt;/&lt;subject&gt;/&lt;n&gt;.json)</source>
      <translation>Mở cây thư mục MATH (&lt;split&gt;/&lt;subject&gt;/&lt;n&gt;.json)</translation>
    </message>
    <message>
      <source>The built-in arithmetic task the shipped models were trained on</source>
      <translation>Tác vụ số học có sẵn mà các mô hình kèm theo được huấn luyện</translation>
    </message>
    <message>
      <source>All levels</source>
      <translation>Mọi mức</translation>
    </message>
    <message>
      <source>Level %1</source>
      <translation>Mức %1</translation>
    </message>
    <message>
      <source>Level ?</source>
      <translation>Mức ?</translation>
    </message>
    <message>
      <source>Find in problems, solutions and answers</source>
      <translation>Tìm trong đề bài, lời giải và đáp số</translation>
    </message>
    <message>
      <source>%1: %2 of %3 problems</source>
      <translation>%1: %2 trên %3 bài</translation>
    </message>
    <message>
      <source>All subjects</source>
      <translation>Mọi chủ đề</translation>
    </message>
    <message>
      <source>Problem</source>
      <translation>Đề bài</translation>
    </message>
    <message>
      <source>Reference solution</source>
      <translation>Lời giải tham khảo</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>Đáp án</translation>
    </message>
  </context>
  <context>
    <name>lens::app::ExperimentsView</name>
    <message>
      <source>Job</source>
      <translation>Tác vụ</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>Loại</translation>
    </message>
    <message>
      <source>Progress</source>
      <translation>Tiến độ</translation>
    </message>
    <message>
      <source>Rate</source>
      <translation>Tốc độ</translation>
    </message>
    <message>
      <source>ETA</source>
      <translation>Còn lại</translation>
    </message>
    <message>
      <source>State</source>
      <translation>Trạng thái</translation>
    </message>
    <message>
      <source>New…</source>
      <translation>Mới…</translation>
    </message>
    <message>
      <source>Set up a sampling, search, oracle or router-training run</source>
      <translation>Thiết lập lượt lấy mẫu, tìm kiếm, oracle hoặc huấn luyện bộ định tuyến</translation>
    </message>
    <message>
      <source>Start from Spec…</source>
      <translation>Bắt đầu từ tệp đặc tả…</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>Hủy</translation>
    </message>
    <message>
      <source>%1 units/s</source>
      <translation>%1 đơn vị/giây</translation>
    </message>
    <message>
      <source>run %1</source>
      <translation>lượt chạy %1</translation>
    </message>
  </context>
  <context>
    <name>lens::app::JobDialog</name>
    <message>
      <source>Browse…</source>
      <translation>Duyệt…</translation>
    </message>
    <message>
      <source>Choose a folder</source>
      <translation>Chọn thư mục</translation>
    </message>
    <message>
      <source>Choose a problem file</source>
      <translation>Chọn tệp bài toán</translation>
    </message>
    <message>
      <source>MATH problems (*.jsonl);;All files (*)</source>
      <translation>Bài toán MATH (*.jsonl);;Mọi tệp (*)</translation>
    </message>
    <message>
      <source>New Experiment</source>
      <translation>Thí nghiệm mới</translation>
    </message>
    <message>
      <source>Sampling: best-of-N, majority and PRM-weighted</source>
      <translation>Lấy mẫu: best-of-N, đa số và trọng số PRM</translation>
    </message>
    <message>
      <source>Search: PRM-guided beam, lookahead, DVTS or revisions</source>
      <translation>Tìm kiếm: beam theo PRM, nhìn trước, DVTS hoặc sửa lần lượt</translation>
    </message>
    <message>
      <source>Routing oracle: best routes per token under budgets</source>
      <translation>Oracle định tuyến: tuyến tốt nhất mỗi token trong ngân sách</translation>
    </message>
    <message>
      <source>Router training: learn routes from the model</source>
      <translation>Huấn luyện bộ định tuyến: học tuyến từ mô hình</translation>
    </message>
    <message>
      <source>a name for the run (optional)</source>
      <translation>tên lượt chạy (không bắt buộc)</translation>
    </message>
    <message>
      <source>all</source>
      <translation>tất cả</translation>
    </message>
    <message>
      <source>Experiment</source>
      <translation>Thí nghiệm</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>Tên</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>Mô hình</translation>
    </message>
    <message>
      <source>Problems</source>
      <translation>Bài toán</translation>
    </message>
    <message>
      <source>How many</source>
      <translation>Số lượng</translation>
    </message>
    <message>
      <source>Seed</source>
      <translation>Hạt giống</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>Thiết bị</translation>
    </message>
    <message>
      <source>Samples per problem (N)</source>
      <translation>Số mẫu mỗi bài (N)</translation>
    </message>
    <message>
      <source>Temperature</source>
      <translation>Nhiệt độ</translation>
    </message>
    <message>
      <source>Max new tokens</source>
      <translation>Số token mới tối đa</translation>
    </message>
    <message>
      <source>Verifier (PRM; empty: none)</source>
      <translation>Bộ kiểm chứng (PRM; để trống: không)</translation>
    </message>
    <message>
      <source>none (every turn revises)</source>
      <translation>không (mỗi lượt đều sửa)</translation>
    </message>
    <message>
      <source>A chain stops revising at an attempt whose mean log-probability per token is at least this; its later turns repeat that attempt at no cost.</source>
      <translation>Chuỗi ngừng sửa ở lần thử có log-xác suất trung bình mỗi token từ mức này trở lên; các lượt sau lặp lại lần thử đó mà không tốn tính toán.</translation>
    </message>
    <message>
      <source>Strategy</source>
      <translation>Chiến lược</translation>
    </message>
    <message>
      <source>Budget N (generations)</source>
      <translation>Ngân sách N (số lần sinh)</translation>
    </message>
    <message>
      <source>Beam width M</source>
      <translation>Độ rộng beam M</translation>
    </message>
    <message>
      <source>Lookahead steps</source>
      <translation>Số bước nhìn trước</translation>
    </message>
    <message>
      <source>Revision chain length</source>
      <translation>Độ dài chuỗi sửa</translation>
    </message>
    <message>
      <source>Keep attempts above (mean log-prob)</source>
      <translation>Giữ lần thử từ mức này (log-xác suất trung bình)</translation>
    </message>
    <message>
      <source>Route (Duo models)</source>
      <translation>Tuyến (mô hình Duo)</translation>
    </message>
    <message>
      <source>Verifier (PRM)</source>
      <translation>Bộ kiểm chứng (PRM)</translation>
    </message>
    <message>
      <source>Budgets (k=… or flops=…)</source>
      <translation>Ngân sách (k=… hoặc flops=…)</translation>
    </message>
    <message>
      <source>Scope</source>
      <translation>Phạm vi</translation>
    </message>
    <message>
      <source>Random routings per budget</source>
      <translation>Số định tuyến ngẫu nhiên mỗi ngân sách</translation>
    </message>
    <message>
      <source>Save the router to</source>
      <translation>Lưu bộ định tuyến vào</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>Chế độ</translation>
    </message>
    <message>
      <source>Compute penalty λ (penalty)</source>
      <translation>Phạt tính toán λ (penalty)</translation>
    </message>
    <message>
      <source>Oracle budget (imitate)</source>
      <translation>Ngân sách oracle (imitate)</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>Số bước</translation>
    </message>
    <message>
      <source>Queue</source>
      <translation>Đưa vào hàng đợi</translation>
    </message>
  </context>
  <context>
    <name>lens::app::JobQueue</name>
    <message>
      <source>queued</source>
      <translation>đang chờ</translation>
    </message>
    <message>
      <source>running</source>
      <translation>đang chạy</translation>
    </message>
    <message>
      <source>done</source>
      <translation>xong</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>đã hủy</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>thất bại</translation>
    </message>
    <message>
      <source>stopping…</source>
      <translation>đang dừng…</translation>
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
      <translation>Mô hình</translation>
    </message>
    <message>
      <source>Curves</source>
      <translation>Đường cong</translation>
    </message>
    <message>
      <source>Routing</source>
      <translation>Định tuyến</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>Tìm kiếm</translation>
    </message>
    <message>
      <source>Runs</source>
      <translation>Lượt chạy</translation>
    </message>
    <message>
      <source>Experiments</source>
      <translation>Thí nghiệm</translation>
    </message>
    <message>
      <source>Data</source>
      <translation>Dữ liệu</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>&amp;Tệp</translation>
    </message>
    <message>
      <source>&amp;Open Model Folder…</source>
      <translation>&amp;Mở thư mục mô hình…</translation>
    </message>
    <message>
      <source>Open &amp;Results Database…</source>
      <translation>Mở cơ sở dữ liệu &amp;kết quả…</translation>
    </message>
    <message>
      <source>&amp;Export Curves…</source>
      <translation>&amp;Xuất đường cong…</translation>
    </message>
    <message>
      <source>Open &amp;Built-in Model</source>
      <translation>Mở mô hình &amp;có sẵn</translation>
    </message>
    <message>
      <source>Open &amp;Problems…</source>
      <translation>Mở &amp;bài toán…</translation>
    </message>
    <message>
      <source>Open problems</source>
      <translation>Mở bài toán</translation>
    </message>
    <message>
      <source>MATH problems (*.jsonl);;All files (*)</source>
      <translation>Bài toán MATH (*.jsonl);;Mọi tệp (*)</translation>
    </message>
    <message>
      <source>Export &amp;Report…</source>
      <translation>Xuất &amp;báo cáo…</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>T&amp;hoát</translation>
    </message>
    <message>
      <source>E&amp;xperiments</source>
      <translation>Thí &amp;nghiệm</translation>
    </message>
    <message>
      <source>&amp;New Experiment…</source>
      <translation>Thí nghiệm &amp;mới…</translation>
    </message>
    <message>
      <source>&amp;Start Job from Spec…</source>
      <translation>&amp;Bắt đầu tác vụ từ tệp đặc tả…</translation>
    </message>
    <message>
      <source>&amp;Resume Selected Run</source>
      <translation>&amp;Tiếp tục lượt chạy đã chọn</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>Tiếp tục</translation>
    </message>
    <message>
      <source>Select a run first.</source>
      <translation>Hãy chọn một lượt chạy trước.</translation>
    </message>
    <message>
      <source>resume run %1</source>
      <translation>tiếp tục lượt chạy %1</translation>
    </message>
    <message>
      <source>&amp;Settings</source>
      <translation>&amp;Cài đặt</translation>
    </message>
    <message>
      <source>&amp;Preferences…</source>
      <translation>&amp;Tùy chọn…</translation>
    </message>
    <message>
      <source>&amp;Language</source>
      <translation>&amp;Ngôn ngữ</translation>
    </message>
    <message>
      <source>System default</source>
      <translation>Mặc định của hệ thống</translation>
    </message>
    <message>
      <source>The language changes when ComputeLens starts again.</source>
      <translation>Ngôn ngữ sẽ đổi khi ComputeLens khởi động lại.</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>Trợ &amp;giúp</translation>
    </message>
    <message>
      <source>Run the &amp;Demo</source>
      <translation>Chạy bản &amp;demo</translation>
    </message>
    <message>
      <source>&amp;About ComputeLens</source>
      <translation>&amp;Giới thiệu ComputeLens</translation>
    </message>
    <message>
      <source>Loaded %1</source>
      <translation>Đã tải %1</translation>
    </message>
    <message>
      <source>Could not open %1</source>
      <translation>Không mở được %1</translation>
    </message>
    <message>
      <source>Cannot open model</source>
      <translation>Không mở được mô hình</translation>
    </message>
    <message>
      <source>%1: %2 runs</source>
      <translation>%1: %2 lượt chạy</translation>
    </message>
    <message>
      <source>Cannot open database</source>
      <translation>Không mở được cơ sở dữ liệu</translation>
    </message>
    <message>
      <source>compute-optimal</source>
      <translation>tối ưu tính toán</translation>
    </message>
    <message>
      <source>larger model, pass@1 (run %1)</source>
      <translation>mô hình lớn hơn, pass@1 (lượt chạy %1)</translation>
    </message>
    <message>
      <source>Compute-optimal: %1 strategies</source>
      <translation>Tối ưu tính toán: %1 chiến lược</translation>
    </message>
    <message>
      <source>It assumes both models were pretrained on the same tokens; their training is not recorded, so that is not checked.</source>
      <translation>Phép trao đổi giả định hai mô hình được tiền huấn luyện trên cùng số token; quá trình huấn luyện của chúng không được ghi lại nên điều này không được kiểm tra.</translation>
    </message>
    <message>
      <source>Both models were pretrained on the same number of examples (%L1), as it assumes.</source>
      <translation>Hai mô hình được tiền huấn luyện trên cùng số ví dụ (%L1), đúng như giả định.</translation>
    </message>
    <message>
      <source>It assumes both models were pretrained on the same tokens; they read %L1 and %L2 training examples, so it compares them as trained.</source>
      <translation>Phép trao đổi giả định hai mô hình được tiền huấn luyện trên cùng số token; chúng đã đọc %L1 và %L2 ví dụ huấn luyện, nên đây là so sánh các mô hình như đã huấn luyện.</translation>
    </message>
    <message>
      <source>Exchange (Snell et al. §7): run %1's model is %2× larger. At equal total FLOPs (pretraining 6·N·D, inference 2·N·D), the smaller model may spend per problem what the table shows, for R = inference tokens ÷ pretraining tokens.</source>
      <translation>Trao đổi (Snell và cộng sự §7): mô hình của lượt chạy %1 lớn hơn %2 lần. Với cùng tổng FLOPs (tiền huấn luyện 6·N·D, suy luận 2·N·D), mô hình nhỏ được dùng cho mỗi bài lượng trong bảng, với R = token suy luận ÷ token tiền huấn luyện.</translation>
    </message>
    <message>
      <source>R</source>
      <translation>R</translation>
    </message>
    <message>
      <source>matched FLOPs per problem</source>
      <translation>FLOPs tương ứng mỗi bài</translation>
    </message>
    <message>
      <source>× one small sample</source>
      <translation>× một mẫu của mô hình nhỏ</translation>
    </message>
    <message>
      <source>small: best N that fits</source>
      <translation>nhỏ: N tốt nhất vừa ngân sách</translation>
    </message>
    <message>
      <source>small: accuracy</source>
      <translation>nhỏ: độ chính xác</translation>
    </message>
    <message>
      <source>large: pass@1</source>
      <translation>lớn: pass@1</translation>
    </message>
    <message>
      <source>small − large, paired 95 % interval</source>
      <translation>nhỏ − lớn, khoảng 95 % ghép cặp</translation>
    </message>
    <message>
      <source>Reading every route of run %1…</source>
      <translation>Đang đọc mọi tuyến của lượt chạy %1…</translation>
    </message>
    <message>
      <source>Run %1: %2 tokens</source>
      <translation>Lượt chạy %1: %2 token</translation>
    </message>
    <message>
      <source>Open a MATH folder</source>
      <translation>Mở thư mục MATH</translation>
    </message>
    <message>
      <source>%1: %2 problems</source>
      <translation>%1: %2 bài</translation>
    </message>
    <message>
      <source>Cannot open problems</source>
      <translation>Không mở được bài toán</translation>
    </message>
    <message>
      <source>Job %1: %2</source>
      <translation>Tác vụ %1: %2</translation>
    </message>
    <message>
      <source>Run %1: %2</source>
      <translation>Lượt chạy %1: %2</translation>
    </message>
    <message>
      <source>Run %1: %2 graded problems</source>
      <translation>Lượt chạy %1: %2 bài đã chấm</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>Sẵn sàng</translation>
    </message>
    <message>
      <source>Reading the search trees of run %1…</source>
      <translation>Đang đọc cây tìm kiếm của lượt chạy %1…</translation>
    </message>
    <message>
      <source>Reading the routing of run %1…</source>
      <translation>Đang đọc định tuyến của lượt chạy %1…</translation>
    </message>
    <message>
      <source>Reading %1…</source>
      <translation>Đang đọc %1…</translation>
    </message>
    <message>
      <source>Comparing %1 runs…</source>
      <translation>Đang so sánh %1 lượt chạy…</translation>
    </message>
    <message>
      <source>Computing the curves of run %1…</source>
      <translation>Đang tính đường cong của lượt chạy %1…</translation>
    </message>
    <message>
      <source>Open a results database</source>
      <translation>Mở cơ sở dữ liệu kết quả</translation>
    </message>
    <message>
      <source>ComputeLens databases (*.db *.sqlite);;All files (*)</source>
      <translation>Cơ sở dữ liệu ComputeLens (*.db *.sqlite);;Mọi tệp (*)</translation>
    </message>
    <message>
      <source>Export curves</source>
      <translation>Xuất đường cong</translation>
    </message>
    <message>
      <source>Select a run with graded samples first.</source>
      <translation>Hãy chọn trước một lượt chạy có mẫu đã chấm.</translation>
    </message>
    <message>
      <source>PNG image (*.png);;PDF (*.pdf);;SVG (*.svg);;CSV data (*.csv)</source>
      <translation>Ảnh PNG (*.png);;PDF (*.pdf);;SVG (*.svg);;Dữ liệu CSV (*.csv)</translation>
    </message>
    <message>
      <source>Could not write %1</source>
      <translation>Không ghi được %1</translation>
    </message>
    <message>
      <source>Start a job</source>
      <translation>Bắt đầu một tác vụ</translation>
    </message>
    <message>
      <source>Job specs (*.json);;All files (*)</source>
      <translation>Đặc tả tác vụ (*.json);;Mọi tệp (*)</translation>
    </message>
    <message>
      <source>Cannot start the job</source>
      <translation>Không bắt đầu được tác vụ</translation>
    </message>
    <message>
      <source>Run the demo</source>
      <translation>Chạy bản demo</translation>
    </message>
    <message>
      <source>The built-in models were not found. Set LENS_RESOURCES to the folder that holds models/arith-duo-small.</source>
      <translation>Không tìm thấy các mô hình có sẵn. Hãy đặt LENS_RESOURCES là thư mục chứa models/arith-duo-small.</translation>
    </message>
    <message>
      <source>Running the demo: %1 jobs (see Experiments)</source>
      <translation>Đang chạy demo: %1 tác vụ (xem Thí nghiệm)</translation>
    </message>
    <message>
      <source>The demo has finished: run %1's accuracy against FLOPs is in Curves, run %2's token difficulty in Routing</source>
      <translation>Bản demo đã xong: độ chính xác theo FLOPs của lượt chạy %1 nằm ở Đường cong, độ khó từng token của lượt chạy %2 ở Định tuyến</translation>
    </message>
    <message>
      <source>Welcome to ComputeLens</source>
      <translation>Chào mừng đến với ComputeLens</translation>
    </message>
    <message>
      <source>Run the demo now? The built-in models solve the built-in task: sampling scored by a process reward model, a routing oracle and a beam search. It takes about a minute on two CPU cores; then the accuracy-vs-FLOPs curves and the routing oracle's token difficulty open by themselves. (Help → Run the Demo runs it again.)</source>
      <translation>Chạy demo ngay bây giờ? Các mô hình có sẵn giải tác vụ có sẵn: lấy mẫu được chấm bởi mô hình thưởng theo bước, một oracle định tuyến và một tìm kiếm beam. Mất khoảng một phút trên hai lõi CPU; sau đó đường cong độ chính xác theo FLOPs và độ khó từng token của oracle định tuyến tự mở ra. (Trợ giúp → Chạy bản demo để chạy lại.)</translation>
    </message>
    <message>
      <source>Export report</source>
      <translation>Xuất báo cáo</translation>
    </message>
    <message>
      <source>HTML (*.html);;PDF (*.pdf)</source>
      <translation>HTML (*.html);;PDF (*.pdf)</translation>
    </message>
    <message>
      <source>Wrote %1</source>
      <translation>Đã ghi %1</translation>
    </message>
    <message>
      <source>Open a Hugging Face model folder</source>
      <translation>Mở thư mục mô hình Hugging Face</translation>
    </message>
    <message>
      <source>&lt;h3&gt;ComputeLens %1&lt;/h3&gt;&lt;p&gt;Where a language model's compute goes, and where more of it would pay.&lt;/p&gt;&lt;p&gt;Licensed under the GNU General Public License, version 3 or later. Uses Qt %2, libtorch %3 and QCustomPlot (GPL).&lt;/p&gt;</source>
      <translation>&lt;h3&gt;ComputeLens %1&lt;/h3&gt;&lt;p&gt;Sức tính toán của mô hình ngôn ngữ đi về đâu, và thêm vào đâu thì đáng.&lt;/p&gt;&lt;p&gt;Phát hành theo Giấy phép Công cộng GNU, phiên bản 3 hoặc mới hơn. Dùng Qt %2, libtorch %3 và QCustomPlot (GPL).&lt;/p&gt;</translation>
    </message>
    <message>
      <source>&lt;p&gt;Built on these components, under their licences:&lt;/p&gt;</source>
      <translation>&lt;p&gt;Xây dựng trên các thành phần sau, theo giấy phép của từng thành phần:&lt;/p&gt;</translation>
    </message>
    <message>
      <source>&lt;p&gt;The built-in models in resources/models were trained by ComputeLens and are distributed under the same licence.&lt;/p&gt;</source>
      <translation>&lt;p&gt;Các mô hình có sẵn trong resources/models do ComputeLens huấn luyện và được phân phối theo cùng giấy phép.&lt;/p&gt;</translation>
    </message>
    <message>
      <source>About ComputeLens</source>
      <translation>Giới thiệu ComputeLens</translation>
    </message>
  </context>
  <context>
    <name>lens::views::ModelSummaryView</name>
    <message>
      <source>No model loaded. Use File → Open Model Folder…</source>
      <translation>Chưa tải mô hình nào. Dùng Tệp → Mở thư mục mô hình…</translation>
    </message>
    <message>
      <source>Architecture</source>
      <translation>Kiến trúc</translation>
    </message>
    <message>
      <source>Parameters</source>
      <translation>Số tham số</translation>
    </message>
    <message>
      <source>%1 (%2 on disk)</source>
      <translation>%1 (%2 trên đĩa)</translation>
    </message>
    <message>
      <source>Layers</source>
      <translation>Số lớp</translation>
    </message>
    <message>
      <source>Hidden size</source>
      <translation>Kích thước ẩn</translation>
    </message>
    <message>
      <source>MLP size</source>
      <translation>Kích thước MLP</translation>
    </message>
    <message>
      <source>%1 (Duo: also a small FFN of %2 per layer)</source>
      <translation>%1 (Duo: mỗi lớp còn có FFN nhỏ cỡ %2)</translation>
    </message>
    <message>
      <source>Attention</source>
      <translation>Attention</translation>
    </message>
    <message>
      <source>%1 heads, %2 KV heads, head dim %3</source>
      <translation>%1 đầu, %2 đầu KV, chiều mỗi đầu %3</translation>
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
      <translation>Từ vựng</translation>
    </message>
    <message>
      <source>%1 (tied embeddings)</source>
      <translation>%1 (dùng chung embedding)</translation>
    </message>
    <message>
      <source>Tokenizer</source>
      <translation>Bộ tách token</translation>
    </message>
    <message>
      <source>none</source>
      <translation>không có</translation>
    </message>
    <message>
      <source>%1, %2 tokens</source>
      <translation>%1, %2 token</translation>
    </message>
    <message>
      <source>Weight files</source>
      <translation>Tệp trọng số</translation>
    </message>
    <message>
      <source>Runs on</source>
      <translation>Chạy trên</translation>
    </message>
  </context>
  <context>
    <name>lens::views::ProblemTableModel</name>
    <message>
      <source>id</source>
      <translation>mã</translation>
    </message>
    <message>
      <source>subject</source>
      <translation>chủ đề</translation>
    </message>
    <message>
      <source>level</source>
      <translation>mức</translation>
    </message>
    <message>
      <source>problem</source>
      <translation>đề bài</translation>
    </message>
    <message>
      <source>answer</source>
      <translation>đáp số</translation>
    </message>
  </context>
  <context>
    <name>QObject</name>
    <message>
      <source>Run %1, sequence %2 of %3</source>
      <translation>Lượt chạy %1, chuỗi %2 / %3</translation>
    </message>
    <message>
      <source>router %1</source>
      <translation>bộ định tuyến %1</translation>
    </message>
    <message>
      <source>revise, N=%1, chains of %2</source>
      <translation>sửa lần lượt, N=%1, chuỗi dài %2</translation>
    </message>
    <message>
      <source>%1, N=%2, M=%3</source>
      <translation>%1, N=%2, M=%3</translation>
    </message>
    <message>
      <source>Run %1 (%2), problem %3 of %4: %5</source>
      <translation>Lượt chạy %1 (%2), bài %3 / %4: %5</translation>
    </message>
    <message>
      <source>Run %1</source>
      <translation>Lượt chạy %1</translation>
    </message>
    <message>
      <source>, kept above a mean log-prob of %1</source>
      <translation>, giữ lại từ log-xác suất trung bình %1</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RoutingView</name>
    <message>
      <source>skip</source>
      <translation>bỏ qua</translation>
    </message>
    <message>
      <source>small</source>
      <translation>nhỏ</translation>
    </message>
    <message>
      <source>big</source>
      <translation>lớn</translation>
    </message>
    <message>
      <source>Routes:</source>
      <translation>Tuyến:</translation>
    </message>
    <message>
      <source>Sequence:</source>
      <translation>Chuỗi:</translation>
    </message>
    <message>
      <source>token (scored position)</source>
      <translation>token (vị trí được chấm)</translation>
    </message>
    <message>
      <source>FLOPs per token (fraction of all big)</source>
      <translation>FLOPs mỗi token (tỉ lệ so với toàn bộ lớn)</translation>
    </message>
    <message>
      <source>perplexity</source>
      <translation>độ bối rối (perplexity)</translation>
    </message>
    <message>
      <source>layer</source>
      <translation>lớp</translation>
    </message>
    <message>
      <source>share of tokens</source>
      <translation>tỉ lệ token</translation>
    </message>
    <message>
      <source>sequence</source>
      <translation>chuỗi</translation>
    </message>
    <message>
      <source>position</source>
      <translation>vị trí</translation>
    </message>
    <message>
      <source>token</source>
      <translation>token</translation>
    </message>
    <message>
      <source>next</source>
      <translation>kế tiếp</translation>
    </message>
    <message>
      <source>gain</source>
      <translation>lợi ích</translation>
    </message>
    <message>
      <source>loss all-skip</source>
      <translation>mất mát all-skip</translation>
    </message>
    <message>
      <source>loss all-big</source>
      <translation>mất mát all-big</translation>
    </message>
    <message>
      <source>oracle route</source>
      <translation>tuyến oracle</translation>
    </message>
    <message>
      <source>Double-click a token to open it in its sequence.</source>
      <translation>Nhấp đúp vào token để mở nó trong chuỗi của nó.</translation>
    </message>
    <message>
      <source>Perplexity vs compute</source>
      <translation>Độ bối rối theo tính toán</translation>
    </message>
    <message>
      <source>Layer usage</source>
      <translation>Sử dụng lớp</translation>
    </message>
    <message>
      <source>Hardest tokens</source>
      <translation>Token khó nhất</translation>
    </message>
    <message>
      <source>Whole run</source>
      <translation>Toàn bộ lượt chạy</translation>
    </message>
    <message>
      <source>Select an oracle run.</source>
      <translation>Hãy chọn một lượt chạy oracle.</translation>
    </message>
    <message>
      <source>%1 — %2 scored tokens; largest gain %3 nats at %4</source>
      <translation>%1 — %2 token được chấm; lợi ích lớn nhất %3 nat tại %4</translation>
    </message>
    <message>
      <source>“%1” after “%2” (position %3)
</source>
      <translation>“%1” sau “%2” (vị trí %3)
</translation>
    </message>
    <message>
      <source>loss: all-skip %1, all-small %2, all-big %3
</source>
      <translation>mất mát: bỏ qua hết %1, nhỏ hết %2, lớn hết %3
</translation>
    </message>
    <message>
      <source>oracle %1</source>
      <translation>oracle %1</translation>
    </message>
    <message>
      <source>%1: %2 via %3, gain %4
</source>
      <translation>%1: %2 qua %3, lợi ích %4
</translation>
    </message>
    <message>
      <source>layer %1: %2 (%3)
</source>
      <translation>lớp %1: %2 (%3)
</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RunHeatmapView</name>
    <message>
      <source>Select an oracle run.</source>
      <translation>Hãy chọn một lượt chạy oracle.</translation>
    </message>
    <message>
      <source>scored token of the run</source>
      <translation>token được chấm của lượt chạy</translation>
    </message>
    <message>
      <source>token</source>
      <translation>token</translation>
    </message>
    <message>
      <source>occurrences</source>
      <translation>số lần xuất hiện</translation>
    </message>
    <message>
      <source>big / token</source>
      <translation>big / token</translation>
    </message>
    <message>
      <source>small / token</source>
      <translation>small / token</translation>
    </message>
    <message>
      <source>mean gain</source>
      <translation>lợi ích trung bình</translation>
    </message>
    <message>
      <source>%1, %2: %3 tokens in %4 sequences × %5 layers; big %6 %, small %7 %, skip %8 % of the cells. Drag to pan, wheel to zoom, double-click a token to open it.</source>
      <translation>%1, %2: %3 token trong %4 chuỗi × %5 lớp; big %6 %, small %7 %, skip %8 % số ô. Kéo để di chuyển, cuộn để phóng to, nhấp đúp để mở token.</translation>
    </message>
    <message>
      <source>skip</source>
      <translation>bỏ qua</translation>
    </message>
    <message>
      <source>small</source>
      <translation>nhỏ</translation>
    </message>
    <message>
      <source>big</source>
      <translation>lớn</translation>
    </message>
    <message>
      <source>sequence %1, position %2: “%3”
layer %4: %5 (%6)
gain %7 nats</source>
      <translation>chuỗi %1, vị trí %2: “%3”
lớp %4: %5 (%6)
lợi ích %7 nats</translation>
    </message>
    <message>
      <source>
(this pixel mixes %1 tokens)</source>
      <translation>
(điểm ảnh này trộn %1 token)</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RunsView</name>
    <message>
      <source>Id</source>
      <translation>Mã</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>Loại</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>Tên</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Trạng thái</translation>
    </message>
    <message>
      <source>Units</source>
      <translation>Đơn vị</translation>
    </message>
    <message>
      <source>Updated</source>
      <translation>Cập nhật</translation>
    </message>
  </context>
  <context>
    <name>lens::views::SearchView</name>
    <message>
      <source>Problem </source>
      <translation>Bài </translation>
    </message>
    <message>
      <source>Step</source>
      <translation>Bước</translation>
    </message>
    <message>
      <source>Score</source>
      <translation>Điểm</translation>
    </message>
    <message>
      <source>Tokens</source>
      <translation>Token</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>Đáp án</translation>
    </message>
    <message>
      <source>Right</source>
      <translation>Đúng</translation>
    </message>
    <message>
      <source>Solution</source>
      <translation>Lời giải</translation>
    </message>
    <message>
      <source>Select a search run to inspect its trees.</source>
      <translation>Hãy chọn một lượt chạy tìm kiếm để xem cây của nó.</translation>
    </message>
    <message>
      <source>Problem: %1</source>
      <translation>Bài toán: %1</translation>
    </message>
    <message>
      <source>Reference answer: %1</source>
      <translation>Đáp án chuẩn: %1</translation>
    </message>
    <message>
      <source>The returned answer is right.</source>
      <translation>Đáp án trả về là đúng.</translation>
    </message>
    <message>
      <source>The returned answer is wrong.</source>
      <translation>Đáp án trả về là sai.</translation>
    </message>
    <message>
      <source>(kept) %1</source>
      <translation>(giữ lại) %1</translation>
    </message>
    <message>
      <source>(none)</source>
      <translation>(không có)</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>có</translation>
    </message>
    <message>
      <source>no</source>
      <translation>không</translation>
    </message>
    <message>
      <source>Attempt %1%2:
%3</source>
      <translation>Lần thử %1%2:
%3</translation>
    </message>
  </context>
  <context>
    <name>lens::app::SettingsDialog</name>
    <message>
      <source>Preferences</source>
      <translation>Tùy chọn</translation>
    </message>
    <message>
      <source>Automatic (CUDA when present)</source>
      <translation>Tự động (CUDA nếu có)</translation>
    </message>
    <message>
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <source>CUDA GPU</source>
      <translation>GPU CUDA</translation>
    </message>
    <message>
      <source>all cores (%1)</source>
      <translation>mọi lõi (%1)</translation>
    </message>
    <message>
      <source>the command-line tool's default database</source>
      <translation>cơ sở dữ liệu mặc định của công cụ dòng lệnh</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>Duyệt…</translation>
    </message>
    <message>
      <source>Results database</source>
      <translation>Cơ sở dữ liệu kết quả</translation>
    </message>
    <message>
      <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
      <translation>Cơ sở dữ liệu SQLite (*.db *.sqlite);;Mọi tệp (*)</translation>
    </message>
    <message>
      <source>Device for jobs</source>
      <translation>Thiết bị cho tác vụ</translation>
    </message>
    <message>
      <source>CPU threads per job</source>
      <translation>Số luồng CPU mỗi tác vụ</translation>
    </message>
  </context>
  <context>
    <name>lens::views::TradeoffView</name>
    <message>
      <source>inference FLOPs per problem</source>
      <translation>FLOPs suy luận mỗi bài</translation>
    </message>
    <message>
      <source>accuracy</source>
      <translation>độ chính xác</translation>
    </message>
    <message>
      <source>%1
N = %2 samples
%3 FLOPs per problem
accuracy %4 %</source>
      <translation>%1
N = %2 mẫu
%3 FLOPs mỗi bài
độ chính xác %4 %</translation>
    </message>
    <message>
      <source> (95 % interval %1–%2)</source>
      <translation> (khoảng 95 % %1–%2)</translation>
    </message>
  </context>
  <context>
    <name>lens::views::PlotExport</name>
    <message>
      <source>Export…</source>
      <translation>Xuất…</translation>
    </message>
    <message>
      <source>PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)</source>
      <translation>Ảnh PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</translation>
    </message>
    <message>
      <source>;;CSV data (*.csv)</source>
      <translation>;;Dữ liệu CSV (*.csv)</translation>
    </message>
    <message>
      <source>Export plot</source>
      <translation>Xuất biểu đồ</translation>
    </message>
    <message>
      <source>Could not write %1 (use .png, .pdf, .svg%2).</source>
      <translation>Không ghi được %1 (hãy dùng .png, .pdf, .svg%2).</translation>
    </message>
  </context>
  <context>
    <name>lens::views::RoutingView</name>
    <message>
      <source>layer</source>
      <translation>lớp</translation>
    </message>
  </context>
  <context>
    <name>main</name>
    <message>
      <source>ComputeLens workbench</source>
      <translation>Bàn làm việc ComputeLens</translation>
    </message>
    <message>
      <source>a model folder to open</source>
      <translation>thư mục mô hình cần mở</translation>
    </message>
    <message>
      <source>the results database to open</source>
      <translation>cơ sở dữ liệu kết quả cần mở</translation>
    </message>
    <message>
      <source>a run of the database to show</source>
      <translation>lượt chạy trong cơ sở dữ liệu cần hiển thị</translation>
    </message>
    <message>
      <source>quit as soon as the window is shown</source>
      <translation>thoát ngay khi cửa sổ hiện ra</translation>
    </message>
    <message>
      <source>runs to compare (comma-separated ids)</source>
      <translation>các lượt chạy cần so sánh (mã, cách nhau bởi dấu phẩy)</translation>
    </message>
    <message>
      <source>a dock or panel to bring to the front: runs, data, experiments, perplexity, usage, hardest, whole-run</source>
      <translation>dock hoặc bảng cần đưa lên trước: runs, data, experiments, perplexity, usage, hardest, whole-run</translation>
    </message>
    <message>
      <source>a job spec to queue (may be repeated)</source>
      <translation>đặc tả tác vụ cần đưa vào hàng đợi (có thể lặp lại)</translation>
    </message>
    <message>
      <source>run the demo (the built-in models on the built-in task) at start</source>
      <translation>chạy demo (các mô hình có sẵn trên tác vụ có sẵn) khi khởi động</translation>
    </message>
    <message>
      <source>quit once every queued job has finished (exit status 1 if one failed)</source>
      <translation>thoát khi mọi tác vụ trong hàng đợi đã xong (mã thoát 1 nếu có tác vụ lỗi)</translation>
    </message>
  </context>
</TS>