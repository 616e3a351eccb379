// The ECharts Berth's pages load: only the chart types and parts they draw
// (bar, pie and line charts with a grid, legend, tooltip and title, on a
// canvas), bundled by scripts/build-site with esbuild into one script that
// sets `window.echarts`, as the full dist/echarts.min.js does. A chart type
// a page starts to draw is added here.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
