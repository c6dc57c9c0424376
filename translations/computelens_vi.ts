<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="vi_VN">
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
      <source>&amp;Start Job from Spec…</source>
      <translation>&amp;Bắt đầu tác vụ từ tệp đặc tả…</translation>
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
      <source>&amp;Settings</source>
      <translation>&amp;Cài đặt</translation>
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
      <source>Compute-optimal: %1 strategies</source>
      <translation>Tối ưu tính toán: %1 chiến lược</translation>
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
      <source>Export report</source>
      <translation>Xuất báo cáo</translation>
    </message>
    <message>
      <source>Select a run first.</source>
      <translation>Hãy chọn một lượt chạy trước.</translation>
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
  </context>
  <context>
    <name>lens::views::RoutingView</name>
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
      <source>layer</source>
      <translation>lớp</translation>
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
      <source>layer %1: %2 (%3)
</source>
      <translation>lớp %1: %2 (%3)
</translation>
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
  </context>
</TS>