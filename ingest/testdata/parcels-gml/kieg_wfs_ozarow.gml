<?xml version="1.0" encoding="UTF-8"?>
<wfs:FeatureCollection xmlns:ms="http://mapserver.gis.umn.edu/mapserver" xmlns:gml="http://www.opengis.net/gml" xmlns:wfs="http://www.opengis.net/wfs">
  <gml:featureMember>
    <ms:dzialki gml:id="dzialki.0">
      <ms:msGeometry><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>621053.946 484315.16 621061.933 484403.654 621039.388 484406.072 621032.883 484338.487 621030.23 484306.716 621027.954 484276.875 621027.718 484270.939 621049.9 484270.441 621050.184 484273.569 621053.946 484315.16</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ms:msGeometry>
      <ms:ID_DZIALKI>143206_4.0001.162/1</ms:ID_DZIALKI>
    </ms:dzialki>
  </gml:featureMember>
  <gml:featureMember>
    <ms:dzialki gml:id="dzialki.1">
      <ms:msGeometry><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>621447.142 484327.07 621433.166 484328.024 621424.981 484313.359 621413.945 484303.846 621410.156 484304.521 621407.539 484277.63 621407.269 484265.644 621440.188 484264.912 621447.142 484327.07</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ms:msGeometry>
      <ms:ID_DZIALKI>143206_4.0001.185/2</ms:ID_DZIALKI>
    </ms:dzialki>
  </gml:featureMember>
  <gml:featureMember>
    <ms:dzialki gml:id="dzialki.2">
      <ms:msGeometry><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>621496.045 485341.365 621493.971 485323.029 621516.084 485320.689 621578.227 485314.275 621580.262 485333.66 621496.045 485341.365</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ms:msGeometry>
      <ms:ID_DZIALKI>143206_4.0001.62/1</ms:ID_DZIALKI>
    </ms:dzialki>
  </gml:featureMember>
  <gml:featureMember>
    <ms:dzialki gml:id="dzialki.3">
      <ms:msGeometry><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>621635.801 485492.993 621647.122 485491.815 621681.138 485488.264 621690.861 485575.107 621683.673 485576.469 621622.797 485580.458 621617.615 485584.185 621606.398 485584.455 621602.306 485545.775 621597.021 485497.042 621621.851 485494.448 621635.801 485492.993</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ms:msGeometry>
      <ms:ID_DZIALKI>143206_4.0001.63/1</ms:ID_DZIALKI>
    </ms:dzialki>
  </gml:featureMember>
  <gml:featureMember>
    <ms:dzialki gml:id="dzialki.bad-id">
      <ms:msGeometry><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>621053 484315 621061 484403 621039 484406 621053 484315</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ms:msGeometry>
      <ms:ID_DZIALKI>14320_4.0001.162</ms:ID_DZIALKI>
    </ms:dzialki>
  </gml:featureMember>
  <gml:featureMember>
    <ms:dzialki gml:id="dzialki.bowtie">
      <ms:msGeometry><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>621000 484300 621010 484300 621000 484310 621010 484310 621000 484300</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ms:msGeometry>
      <ms:ID_DZIALKI>143206_4.0001.999/9</ms:ID_DZIALKI>
    </ms:dzialki>
  </gml:featureMember>
</wfs:FeatureCollection>
